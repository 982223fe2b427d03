import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { Empty } from '@nats-io/transport-node';
import { Svcm } from '@nats-io/services';
import type { ServiceGroup, ServiceMsg } from '@nats-io/services';
import { runEndpoint } from './endpoint-runner.ts';
import type { EndpointRunnerOptions } from './endpoint-runner.ts';
import { natsErrorCode } from './error-reply.ts';
import { describeError } from './logger.ts';
import type { BusLogger } from './logger.ts';
import type { Namespace } from './namespace.ts';
import { contextFromHeaders, errorReplyHeaders, errorReplyMessage } from './nats-headers.ts';
import { checkServiceDefinition, serviceErrorSource } from './service-definition.ts';
import type { ServiceDefinition, ServiceEndpoint, ServiceHandle } from './types.ts';

/**
 * Serves a definition as a NATS micro service, so it is discoverable through `$SRV.PING`, `$SRV.INFO`
 * and `$SRV.STATS` and its replicas share requests through the queue group.
 *
 * It uses `Svcm` from @nats-io/services 3.0.0-25. That release is built against a nats-core
 * prerelease older than the transport-node 3.4 connection it is given; the contract tests check that
 * the pair works (discovery, queue groups, error replies). The library only turns synchronous throws
 * into error replies, so each endpoint handler here starts the async work, awaits it and always
 * answers, with a value or an error reply.
 *
 * Note for `$SRV.STATS`: the library times the synchronous dispatch, so processing times are near zero
 * and num_errors stays 0; the service's own metrics are the ones to watch.
 */
export async function serveOnNats(
  connection: NatsConnection,
  definition: ServiceDefinition,
  namespace: Namespace,
  logger: BusLogger,
): Promise<ServiceHandle> {
  checkServiceDefinition(definition);
  const service = await new Svcm(asServicesConnection(connection)).add({
    name: definition.name,
    version: definition.version,
    description: definition.description ?? '',
    queue: definition.queue ?? definition.name,
    metadata: namespace.name === undefined ? {} : { namespace: namespace.name },
  });
  const runnerOptions: EndpointRunnerOptions = {
    service: definition.name,
    source: serviceErrorSource(definition),
    logger,
  };
  const inFlight = new Set<Promise<void>>();
  const groups = new Map<string, ServiceGroup>();

  for (const binding of definition.endpoints) {
    const groupSubject = namespace.subject(binding.endpoint.group);
    const group = groups.get(groupSubject) ?? service.addGroup(groupSubject);
    groups.set(groupSubject, group);
    group.addEndpoint(binding.endpoint.name, {
      handler: (error, message) => {
        if (error) {
          logger.error({ subject: message?.subject, error: describeError(error) }, 'Service endpoint subscription failed');
          return;
        }
        const answered = answer(binding, message, runnerOptions);
        inFlight.add(answered);
        void answered.finally(() => inFlight.delete(answered));
      },
    });
  }

  // Once serve() resolves, the server knows the subscriptions: a request sent next finds a responder.
  await connection.flush();

  return {
    stop: async () => {
      await service.stop();
      // Requests already taken are still answered: replies go out before the connection drains.
      await Promise.allSettled(inFlight);
    },
  };
}

async function answer(binding: ServiceEndpoint, message: ServiceMsg, options: EndpointRunnerOptions): Promise<void> {
  const context = contextFromHeaders(fromServicesHeaders(message.headers));
  const outcome = await runEndpoint(binding, message.data, context, options);
  try {
    if (outcome.ok) {
      message.respond(outcome.data);
    } else {
      message.respondError(natsErrorCode(outcome.error.code), errorReplyMessage(outcome.error), Empty, {
        headers: toServicesHeaders(errorReplyHeaders(outcome.error)),
      });
    }
  } catch (error) {
    options.logger.warn(
      { subject: binding.endpoint.subject, requestId: context.requestId, error: describeError(error) },
      'Could not send a reply',
    );
  }
}

/*
 * @nats-io/services is typed against its own nats-core copy, whose types TypeScript cannot match with
 * ours (its enums are nominal). At run time it is handed our connection and only calls it, and the
 * headers it passes around are the connection's own objects, so these conversions change no value.
 */
type ServicesConnection = ConstructorParameters<typeof Svcm>[0];
type ServicesHeaders = NonNullable<ServiceMsg['headers']>;

function asServicesConnection(connection: NatsConnection): ServicesConnection {
  return connection as unknown as ServicesConnection;
}

function fromServicesHeaders(headers: ServicesHeaders | undefined): MsgHdrs | undefined {
  return headers as unknown as MsgHdrs | undefined;
}

function toServicesHeaders(headers: MsgHdrs): ServicesHeaders {
  return headers as unknown as ServicesHeaders;
}
