/**
 * Installs recording mocks for a command-line mock run (`infra:plan`, `bench:synth`). Import it
 * before anything that loads the program. Tests install theirs in test/infra/install-mocks.ts.
 */
import * as pulumi from '@pulumi/pulumi';
import { RecordingMocks } from './mocks';

export const mocks = new RecordingMocks();
void pulumi.runtime.setMocks(mocks, 'headwater', 'plan', false);
