// The lifecycle every simulator shares: listen on 127.0.0.1, track connections, park hung ones, close everything promptly.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LocalServer {
  readonly server: http.Server;
  readonly url: string;
  /** Keeps a socket that was deliberately left unanswered, so reset() and close() can end it. */
  park(socket: Socket): void;
  /** Ends every parked socket (the clients see their connection drop). */
  destroyParked(): void;
  /** Stops listening and ends every connection now, so a test runner can exit. */
  close(beforeClose?: () => void): Promise<void>;
}

export async function startLocalServer(port = 0): Promise<LocalServer> {
  const server = http.createServer();
  // A hung request must stay hung until the client gives up, and big uploads may be slow.
  server.requestTimeout = 0;
  const sockets = new Set<Socket>();
  const parked = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const destroyParked = () => {
    for (const s of parked) s.destroy();
    parked.clear();
  };
  let closing: Promise<void> | null = null;
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    park(socket) {
      parked.add(socket);
      socket.once('close', () => parked.delete(socket));
    },
    destroyParked,
    close(beforeClose) {
      closing ??= new Promise<void>((resolve) => {
        beforeClose?.();
        server.close(() => resolve());
        // Keep-alive and hung connections would hold close() (and jest) open: end them all now.
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        destroyParked();
      });
      return closing;
    },
  };
}
