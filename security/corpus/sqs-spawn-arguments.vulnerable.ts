// CWE-88: a queue message chooses the arguments of a program (`--output=/etc/cron.d/x` is enough).
import { spawn } from 'node:child_process';
import type { SQSEvent } from 'aws-lambda';

export const handler = async (event: SQSEvent): Promise<void> => {
  for (const record of event.Records) {
    const { format } = JSON.parse(record.body) as { format: string };
    // ruleid: b2-code-execution-from-request
    spawn('convert', ['input.png', `${format}:output`]);
  }
};
