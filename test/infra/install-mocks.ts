/**
 * The one place tests install Pulumi mocks (`setMocks`, once per mocha process). Imported first by
 * mock-runtime.ts, so the mocks exist before any program module is loaded.
 */
import * as pulumi from '@pulumi/pulumi';
import { RecordingMocks } from '../../infra/synth/mocks';

export const mocks = new RecordingMocks();
void pulumi.runtime.setMocks(mocks, 'headwater', 'mock', false);
