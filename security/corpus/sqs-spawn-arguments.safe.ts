// Lookalike of sqs-spawn-arguments: the message picks one of the formats the code knows.
import { spawn } from 'node:child_process';
import type { SQSEvent } from 'aws-lambda';

const FORMATS = { small: 'png:output', large: 'tiff:output' } as const;

export const handler = async (event: SQSEvent): Promise<void> => {
  for (const record of event.Records) {
    const large = (JSON.parse(record.body) as { large?: boolean }).large === true;
    spawn('convert', ['input.png', large ? FORMATS.large : FORMATS.small]);
  }
};
