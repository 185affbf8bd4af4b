/**
 * OpenAPI metadata without a dependency on `@nestjs/swagger`.
 *
 * The controllers and DTOs of this package describe themselves with the decorators below. When the host app has
 * `@nestjs/swagger` installed (an optional peer), they are that package's own decorators and `SwaggerModule`
 * documents our endpoints like any other; when it does not, every decorator is a no-op and nothing else changes.
 * The options are passed through as they are, so they follow `@nestjs/swagger`'s documentation; they are typed
 * loosely on purpose: no declaration file of this package names `@nestjs/swagger`.
 * @internal
 */

/** A decorator that fits a class, a method or a property, as `@nestjs/swagger`'s do. @internal */
export type OpenApiDecorator = ClassDecorator & MethodDecorator & PropertyDecorator;

/** Options as `@nestjs/swagger` takes them (`ApiPropertyOptions`, `ApiResponseOptions`, …). @internal */
export type OpenApiOptions = Record<string, unknown>;

/** The decorators this package uses, by their `@nestjs/swagger` names. */
interface SwaggerDecorators {
  ApiBody(options: OpenApiOptions): OpenApiDecorator;
  ApiConsumes(...mimeTypes: string[]): OpenApiDecorator;
  ApiExcludeEndpoint(disable?: boolean): OpenApiDecorator;
  ApiExtraModels(...models: (abstract new (...args: never[]) => unknown)[]): OpenApiDecorator;
  ApiOperation(options: OpenApiOptions): OpenApiDecorator;
  ApiProduces(...mimeTypes: string[]): OpenApiDecorator;
  ApiProperty(options?: OpenApiOptions): OpenApiDecorator;
  ApiPropertyOptional(options?: OpenApiOptions): OpenApiDecorator;
  ApiQuery(options: OpenApiOptions): OpenApiDecorator;
  ApiResponse(options: OpenApiOptions): OpenApiDecorator;
  ApiSecurity(name: string, requirements?: string[]): OpenApiDecorator;
  ApiTags(...tags: string[]): OpenApiDecorator;
}

type SwaggerName = keyof SwaggerDecorators;

function loadSwagger(): Partial<SwaggerDecorators> | undefined {
  try {
    // Resolved from the host app: an optional peer, so its absence (or a copy that fails to load) is not an error.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@nestjs/swagger') as Partial<SwaggerDecorators>;
  } catch {
    return undefined;
  }
}

const swagger = loadSwagger();

/** Whether `@nestjs/swagger` was found, i.e. whether the decorators below record anything. @internal */
export const OPENAPI_AVAILABLE: boolean = swagger !== undefined;

const noop: OpenApiDecorator = () => undefined;

/** `@nestjs/swagger`'s decorator factory of that name, or one that returns a no-op decorator. */
function decoratorFactory<K extends SwaggerName>(name: K): SwaggerDecorators[K] {
  const real: unknown = swagger?.[name];
  return (typeof real === 'function' ? real : () => noop) as SwaggerDecorators[K];
}

/** @internal */
export const ApiBody = decoratorFactory('ApiBody');
/** @internal */
export const ApiConsumes = decoratorFactory('ApiConsumes');
/** @internal */
export const ApiExcludeEndpoint = decoratorFactory('ApiExcludeEndpoint');
/** @internal */
export const ApiExtraModels = decoratorFactory('ApiExtraModels');
/** @internal */
export const ApiOperation = decoratorFactory('ApiOperation');
/** @internal */
export const ApiProduces = decoratorFactory('ApiProduces');
/** @internal */
export const ApiProperty = decoratorFactory('ApiProperty');
/** @internal */
export const ApiPropertyOptional = decoratorFactory('ApiPropertyOptional');
/** @internal */
export const ApiQuery = decoratorFactory('ApiQuery');
/** @internal */
export const ApiResponse = decoratorFactory('ApiResponse');
/** @internal */
export const ApiSecurity = decoratorFactory('ApiSecurity');
/** @internal */
export const ApiTags = decoratorFactory('ApiTags');

/**
 * The name of the security scheme the guarded endpoints require. Register it in your document:
 * `new DocumentBuilder().addApiKey(MINI_PROGRAM_TOKEN_SECURITY_SCHEME, MINI_PROGRAM_TOKEN_SECURITY)`.
 * @internal
 */
export const MINI_PROGRAM_TOKEN_SECURITY = 'Token';

/**
 * The `Token` security scheme: the API token from `POST login`, sent as `Authorization: Token <token>`.
 * An OpenAPI `SecuritySchemeObject`.
 * @internal
 */
export const MINI_PROGRAM_TOKEN_SECURITY_SCHEME = {
  type: 'apiKey',
  in: 'header',
  name: 'Authorization',
  description: 'Token <token>: the token from POST /miniprogram_auth/login, prefixed with "Token " (or "Bearer ").',
} as const;
