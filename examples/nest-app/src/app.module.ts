import { Controller, Get, Module, Res, type DynamicModule } from '@nestjs/common';
import { InfisicalModule, InfisicalReadiness, InjectSecrets, type InfisicalModuleOptions, type Secrets } from '@infisical-k8s/nestjs';
import { schema } from './schema.js';

@Controller()
export class AppController {
  constructor(
    @InjectSecrets() private readonly secrets: Secrets<typeof schema>,
    private readonly readiness: InfisicalReadiness,
  ) {}

  @Get()
  root() {
    const { GREETING, PORT, DATABASE_URL } = this.secrets.snapshot;
    return { framework: 'nestjs', greeting: GREETING, port: PORT, database: new URL(DATABASE_URL).host };
  }

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) res: { status(code: number): unknown }) {
    const result = this.readiness.check();
    res.status(result.status === 'not-ready' ? 503 : 200); // degraded (the fallback file) still serves
    return result;
  }
}

/** The root module, built from the environment so the demo can run several apps in one process. */
export class AppModule {
  static forEnvironment(env: Record<string, string | undefined>, extra: Partial<InfisicalModuleOptions> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        InfisicalModule.forRoot({
          schema,
          env,
          ...(env.INFISICAL_CA_PATH ? { tls: { caPath: env.INFISICAL_CA_PATH } } : {}),
          ...extra,
          isGlobal: true,
        }),
      ],
      controllers: [AppController],
    };
  }
}
Module({})(AppModule);
