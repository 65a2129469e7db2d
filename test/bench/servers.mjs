// Pairs of apps that differ only in where the three secrets come from: the adapter, or a plain object.
import 'reflect-metadata';
import express from 'express';
import Fastify from 'fastify';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { infisical } from '@infisical-k8s/express';
import { infisicalPlugin } from '@infisical-k8s/fastify';
import { InfisicalModule, getSecretsToken } from '@infisical-k8s/nestjs';

const quiet = { warn: () => undefined, error: () => undefined };
const plain = Object.freeze({ GREETING: 'hello', DATABASE_URL: 'postgres://db/app', API_KEY: 'key-12345678' });
const pick = (s) => ({ a: s.GREETING, b: s.DATABASE_URL, c: s.API_KEY });

async function listen(server) {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

export async function expressPair(options) {
  const secrets = infisical({ ...options, logger: quiet });
  await secrets.ready();
  const withAdapter = express().use(secrets).get('/', (req, res) => res.json(pick(req.secrets)));
  const withPlain = express().get('/', (_req, res) => res.json(pick(plain)));
  // Express charges for every router layer, whatever it does; this one does nothing, to tell that cost from ours.
  const withNoopLayer = express()
    .use((_req, _res, next) => next())
    .get('/', (_req, res) => res.json(pick(plain)));
  const servers = [withAdapter, withPlain, withNoopLayer].map((app) => app.listen(0, '127.0.0.1'));
  const [adapter, baseline, noopLayer] = await Promise.all(servers.map(listen));
  return {
    adapter,
    baseline,
    noopLayer,
    async close() {
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      await secrets.close();
    },
  };
}

export async function fastifyPair(options) {
  const a = Fastify();
  await a.register(infisicalPlugin, { ...options, logger: quiet });
  a.get('/', async (request) => pick(request.secrets));
  const b = Fastify();
  b.get('/', async () => pick(plain));
  return {
    adapter: await a.listen({ port: 0, host: '127.0.0.1' }),
    baseline: await b.listen({ port: 0, host: '127.0.0.1' }),
    close: () => Promise.all([a.close(), b.close()]),
  };
}

export async function nestPair(options) {
  class AdapterController {
    constructor(secrets) {
      this.secrets = secrets;
    }
    root() {
      return pick(this.secrets.snapshot);
    }
  }
  Inject(getSecretsToken())(AdapterController, undefined, 0);
  Controller()(AdapterController);
  Get()(AdapterController.prototype, 'root', Object.getOwnPropertyDescriptor(AdapterController.prototype, 'root'));
  class AdapterModule {}
  Module({ imports: [InfisicalModule.forRoot({ ...options, logger: quiet })], controllers: [AdapterController] })(AdapterModule);

  class PlainController {
    root() {
      return pick(plain);
    }
  }
  Controller()(PlainController);
  Get()(PlainController.prototype, 'root', Object.getOwnPropertyDescriptor(PlainController.prototype, 'root'));
  class PlainModule {}
  Module({ controllers: [PlainController] })(PlainModule);

  const a = await NestFactory.create(AdapterModule, { logger: false });
  const b = await NestFactory.create(PlainModule, { logger: false });
  await a.listen(0, '127.0.0.1');
  await b.listen(0, '127.0.0.1');
  return {
    adapter: `http://127.0.0.1:${a.getHttpServer().address().port}`,
    baseline: `http://127.0.0.1:${b.getHttpServer().address().port}`,
    close: () => Promise.all([a.close(), b.close()]),
  };
}
