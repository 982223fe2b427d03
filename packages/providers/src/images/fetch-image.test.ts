import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { createImageFetcher } from './fetch-image.ts';
import type { LookupFunction } from './guarded-lookup.ts';

/** The first bytes of a PNG: enough for the fetcher, which never decodes images. */
const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

let server: Server;
let port: number;
const received: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(request);
    const path = request.url ?? '/';
    if (path === '/cat.png') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      response.end(png);
    } else if (path === '/declared-large.png') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': 200 });
      response.end(Buffer.alloc(200));
    } else if (path === '/chunked-large.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      for (let index = 0; index < 10; index += 1) response.write(Buffer.alloc(20));
      response.end();
    } else if (path === '/slow.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(png.subarray(0, 4));
    } else if (path === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<html></html>');
    } else if (path === '/redirect-here') {
      response.writeHead(302, { location: '/cat.png' });
      response.end();
    } else if (path === '/redirect-internal') {
      response.writeHead(302, { location: `http://internal.test:${port}/cat.png` });
      response.end();
    } else if (path === '/redirect-loop') {
      response.writeHead(301, { location: '/redirect-loop' });
      response.end();
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
});

/** A resolver answering from a table, as an attacker's DNS could. */
function lookupFrom(table: Record<string, LookupAddress[]>): LookupFunction {
  return (hostname, _options, callback) => {
    const addresses = table[hostname];
    process.nextTick(() => {
      if (addresses) callback(null, addresses);
      else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    });
  };
}

const lookup = lookupFrom({
  'images.test': [{ address: '127.0.0.1', family: 4 }],
  'internal.test': [{ address: '127.0.0.2', family: 4 }],
  'private.test': [{ address: '10.0.0.1', family: 4 }],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'loopback6.test': [{ address: '::1', family: 6 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'mixed.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '10.0.0.1', family: 4 },
  ],
});

/** Lets the test server's one address through, as a deployment could allow a known internal host. */
const onlyTestServer = (address: string): boolean => address === '127.0.0.1';

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const gatewayError = error as GatewayError;
  expect(gatewayError.code).toBe('invalid_request');
  expect(gatewayError.param).toBe('messages');
  return gatewayError;
}

describe('fetchImage: addresses', () => {
  it('refuses the local image server by default (loopback)', async () => {
    const fetcher = createImageFetcher({ lookup });
    const error = await failure(fetcher(`http://127.0.0.1:${port}/cat.png`));
    expect(error.message).toContain('address that may not be fetched');
    expect(received).toHaveLength(0);
  });

  it('fetches from it when the address policy allows it', async () => {
    const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer });
    const image = await fetcher(`http://127.0.0.1:${port}/cat.png`);
    expect(image.mediaType).toBe('image/png');
    expect(image.data.equals(png)).toBe(true);
  });

  it('connects to the address its lookup checked, sending the hostname as Host', async () => {
    const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer });
    const image = await fetcher(`http://images.test:${port}/cat.png`);
    expect(image.data.equals(png)).toBe(true);
    expect(received[0]?.headers.host).toBe(`images.test:${port}`);
  });

  it.each(['private.test', 'metadata.test', 'loopback6.test', 'mapped.test', 'mixed.test'])(
    'refuses %s, whose lookup answers an internal address, naming only the host',
    async (hostname) => {
      const fetcher = createImageFetcher({ lookup });
      const error = await failure(fetcher(`http://${hostname}:${port}/cat.png`));
      expect(error.message).toContain(`${hostname}:${port}`);
      expect(error.message).toContain('address that may not be fetched');
      expect(error.message).not.toMatch(/10\.0\.0\.1|169\.254|::1|127\.0\.0\.1/);
      expect(received).toHaveLength(0);
    },
  );

  it.each([
    'http://[::1]/cat.png',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/cat.png',
    'http://2130706433/cat.png',
    'http://0x7f.1/cat.png',
    'http://[fd00::1]/cat.png',
  ])('refuses the IP literal %s', async (url) => {
    const fetcher = createImageFetcher({ lookup });
    const error = await failure(fetcher(url));
    expect(error.message).toContain('address that may not be fetched');
  });

  it('says when a host cannot be resolved', async () => {
    const fetcher = createImageFetcher({ lookup });
    const error = await failure(fetcher('http://nowhere.test/cat.png'));
    expect(error.message).toContain('nowhere.test could not be resolved');
  });
});

describe('fetchImage: redirects', () => {
  it('follows a redirect on an allowed server', async () => {
    const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer });
    const image = await fetcher(`http://127.0.0.1:${port}/redirect-here`);
    expect(image.data.equals(png)).toBe(true);
    expect(received.map((request) => request.url)).toEqual(['/redirect-here', '/cat.png']);
  });

  it('refuses a redirect to a host that resolves to a loopback address', async () => {
    const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer });
    const error = await failure(fetcher(`http://images.test:${port}/redirect-internal`));
    expect(error.message).toContain('address that may not be fetched');
    expect(error.message).not.toContain('127.0.0.2');
    expect(received.map((request) => request.url)).toEqual(['/redirect-internal']);
  });

  it('stops after maxRedirects', async () => {
    const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer, maxRedirects: 2 });
    const error = await failure(fetcher(`http://127.0.0.1:${port}/redirect-loop`));
    expect(error.message).toContain('redirected too many times');
    expect(received).toHaveLength(3);
  });
});

describe('fetchImage: answers', () => {
  const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer, maxBytes: 100, timeoutMs: 300 });

  it('refuses an image whose content-length is over the limit', async () => {
    const error = await failure(fetcher(`http://127.0.0.1:${port}/declared-large.png`));
    expect(error.message).toContain('larger than 100 bytes');
  });

  it('refuses a chunked image once it grows over the limit', async () => {
    const error = await failure(fetcher(`http://127.0.0.1:${port}/chunked-large.png`));
    expect(error.message).toContain('larger than 100 bytes');
  });

  it('gives up on a server that is too slow', async () => {
    const error = await failure(fetcher(`http://127.0.0.1:${port}/slow.png`));
    expect(error.message).toContain('timed out');
  });

  it('refuses what is not an image', async () => {
    const error = await failure(fetcher(`http://127.0.0.1:${port}/page.html`));
    expect(error.message).toContain('is not an image (content type text/html)');
  });

  it('refuses an error status', async () => {
    const error = await failure(fetcher(`http://127.0.0.1:${port}/missing.png`));
    expect(error.message).toContain('answered 404');
  });

  it('rethrows the caller’s abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = fetcher(`http://127.0.0.1:${port}/slow.png`, controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('fetchImage: URLs', () => {
  const fetcher = createImageFetcher({ lookup, isAllowedAddress: onlyTestServer });

  it.each(['file:///etc/passwd', 'ftp://images.test/cat.png', 'gopher://images.test/'])('refuses %s', async (url) => {
    const error = await failure(fetcher(url));
    expect(error.message).toContain('must be http or https');
  });

  it('refuses credentials in the URL without repeating them', async () => {
    const error = await failure(fetcher(`http://user:secret-password@127.0.0.1:${port}/cat.png`));
    expect(error.message).toContain('may not carry credentials');
    expect(error.message).not.toContain('secret-password');
    expect(received).toHaveLength(0);
  });
});
