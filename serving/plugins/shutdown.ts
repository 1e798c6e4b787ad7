/**
 * Graceful shutdown: once `close()` starts, responses still in flight say
 * `Connection: close`, so keep-alive sockets end with them instead of holding
 * the server open until the keep-alive timeout. (New requests get Fastify's 503.)
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export const shutdownPlugin = fp(
  async (app: FastifyInstance) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
  },
  { name: 'htr-shutdown' },
);
