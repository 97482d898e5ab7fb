export * from './crc32c';
export * from './events';
export * from './files';
export { scanTfRecords, frameTfRecord } from './tfrecord';
