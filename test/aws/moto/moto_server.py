"""moto's server for the tests, on 127.0.0.1 and a port the OS picks, with Step Functions execution.

Started by test/aws/moto/moto.ts with the venv's Python. Prints one line, `{"port": N}`, once the
server accepts connections; runs until its standard input closes (the test's process ends or
stops it), so a crashed test never leaves it behind.

Two things moto cannot do here, and how this launcher does them instead:
  * Lambda: moto runs a function's code in Docker, which this machine does not have. Each
    invocation is posted instead to HEADWATER_LAMBDA_URL (an HTTP server of the test process) with
    the function's name, its environment variables and the event; the test runs the function's
    real handler there, against this server, and answers with its result or its error.
  * The ASL interpreter calls the other services on localhost:MOTO_PORT: MOTO_PORT is set to the
    port actually bound, before the first execution starts.
  * Glue job runs (when HEADWATER_GLUE_URL is set): moto's run succeeds at once without running
    anything. Each new run is posted instead to HEADWATER_GLUE_URL with the job's name and the
    run's arguments; the run stays RUNNING until the test answers, then SUCCEEDED or FAILED.
  * EventBridge rules with a Lambda target: moto 5.2.5's rules deliver to logs, SQS, buses and API
    destinations only (a Lambda target is dropped). A matching event is handed instead to the
    function as EventBridge does it: asynchronously (a thread), the event's `time` in ISO form;
    the function runs in the test process like any other invocation. Other targets keep moto's path.
  * moto 5.2.5 ends every `.sync` task of a service without `.waitForTaskToken` support (Glue)
    with `'NoneType' object has no attribute 'interrupt_all'`: the task's callback endpoint is
    only made for services declaring that pattern, but always released. Declaring it for Glue
    gives each task an endpoint that nothing ever signals (the `.sync` poll decides the outcome).
"""
import json
import os
import sys
import threading
import urllib.request

from moto.awslambda import models as lambda_models
from moto.core.config import default_user_config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue import StateTaskServiceGlue

LAMBDA_URL = os.environ["HEADWATER_LAMBDA_URL"]
GLUE_URL = os.environ.get("HEADWATER_GLUE_URL")


def invoke_in_test_process(self, event=None):
    """Replaces LambdaFunction._invoke_lambda: returns (payload, errored, logs) as moto's does."""
    body = json.dumps({"functionName": self.function_name, "environment": self.environment_vars, "event": event if event is not None else {}}).encode()
    request = urllib.request.Request(LAMBDA_URL, data=body, headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    return json.dumps(answer["payload"]), bool(answer["errored"]), answer.get("logs", "")


lambda_models.LambdaFunction._invoke_lambda = invoke_in_test_process

_glue_init = StateTaskServiceGlue.__init__


def glue_init_with_callback_endpoint(self):
    _glue_init(self)
    self._supported_integration_patterns = set(self._supported_integration_patterns) | {ResourceCondition.WaitForTaskToken}


StateTaskServiceGlue.__init__ = glue_init_with_callback_endpoint

if GLUE_URL:
    from moto.glue.models import FakeJobRun
    from moto.moto_api._internal.managed_state_model import ManagedState

    _run_init = FakeJobRun.__init__
    _run_as_dict = FakeJobRun.as_dict

    def run_in_test_process(self, *args, **kwargs):
        """A new job run: its work is done by the test process, in the background."""
        _run_init(self, *args, **kwargs)
        outcome = {"state": "RUNNING", "error": None}
        self._headwater = outcome
        body = json.dumps({"jobName": self.job_name, "arguments": self.arguments or {}}).encode()

        def call():
            try:
                request = urllib.request.Request(GLUE_URL, data=body, headers={"content-type": "application/json"}, method="POST")
                with urllib.request.urlopen(request, timeout=1800) as response:
                    answer = json.loads(response.read())
                outcome["error"] = answer.get("error")
                outcome["state"] = "SUCCEEDED" if answer.get("ok") else "FAILED"
            except Exception as e:  # noqa: BLE001 (any failure of the stand-in fails the run)
                outcome["error"] = str(e)
                outcome["state"] = "FAILED"

        threading.Thread(target=call, daemon=True).start()

    def status_of(self):
        outcome = getattr(self, "_headwater", None)
        return outcome["state"] if outcome else ManagedState.status.fget(self)

    def as_dict_with_error(self):
        d = _run_as_dict(self)
        outcome = getattr(self, "_headwater", None)
        if outcome and outcome["error"]:
            d["ErrorMessage"] = outcome["error"]
        return d

    FakeJobRun.__init__ = run_in_test_process
    FakeJobRun.status = property(status_of, ManagedState.status.fset)
    FakeJobRun.as_dict = as_dict_with_error
from moto.awslambda.utils import get_backend as lambda_backend
from moto.events.models import Rule
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp

_send_to_targets = Rule.send_to_targets


def send_to_targets_with_lambda(self, original_event, transform_input=True):
    """Rule.send_to_targets, plus Lambda targets invoked asynchronously with the event."""
    lambdas = [t for t in self.targets if ":lambda:" in t.get("Arn", "")]
    if lambdas and self.event_pattern.matches_event(original_event):
        event = json.loads(json.dumps(original_event, default=str))
        if isinstance(event.get("time"), (int, float)):
            event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(event["time"]))
        for target in lambdas:
            arn = target["Arn"]
            fn = lambda_backend(self.account_id, arn.split(":")[3]).get_function(arn)
            threading.Thread(target=fn.invoke, args=(json.dumps(event), {}, {}), daemon=True).start()
    others = [t for t in self.targets if ":lambda:" not in t.get("Arn", "")]
    if others:
        kept = self.targets
        self.targets = others
        try:
            _send_to_targets(self, original_event, transform_input)
        finally:
            self.targets = kept


Rule.send_to_targets = send_to_targets_with_lambda
default_user_config["stepfunctions"] = {"execute_state_machine": True}

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server.get_host_and_port()[1]
os.environ["MOTO_PORT"] = str(port)
print(json.dumps({"port": port}), flush=True)

# Stop when the parent goes away: its end of our standard input closes.
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
done.wait()
server.stop()
