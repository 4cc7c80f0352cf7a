import { pathToFileURL } from 'node:url';

/**
 * Logging to stdout only (the driver writes it to the task's log file), at Kafka's usual levels. Kafka
 * 3.9 logs through reload4j (log4j 1.x syntax); Kafka 4 moved to log4j2.
 */
export function loggingConfig(major: number): {
  path: string;
  content: string;
  jvmFlag: (file: string) => string;
} {
  if (major >= 4) {
    return {
      path: 'config/log4j2.properties',
      content: [
        'status = warn',
        'appender.stdout.type = Console',
        'appender.stdout.name = STDOUT',
        'appender.stdout.layout.type = PatternLayout',
        'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.stdout.ref = STDOUT',
        // One line per request otherwise.
        'logger.request.name = kafka.request.logger',
        'logger.request.level = WARN',
        '',
      ].join('\n'),
      jvmFlag: (file) => `-Dlog4j2.configurationFile=${file}`,
    };
  }
  return {
    path: 'config/log4j.properties',
    content: [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      // One line per request otherwise.
      'log4j.logger.kafka.request.logger=WARN',
      '',
    ].join('\n'),
    // A URL: log4j 1.x reads a bare path as a classpath resource.
    jvmFlag: (file) => `-Dlog4j.configuration=${pathToFileURL(file).href}`,
  };
}
