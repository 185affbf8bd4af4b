export * from './mini-program-module-options.interface';
