using Herd.Gateway.Access;
using Herd.Gateway.Api.Http.LlmApi;
using Herd.Gateway.Api.Http.OpenAi;

namespace Herd.Gateway.Api.Http;

/// <summary>
/// Wires the HTTP door: the OpenAI-compatible API, and llm-api's routes, over the same keys, roles, limits, fees, queue,
/// nodes and ledger as the gRPC door. It needs the request path (<c>AddCompletions</c>).
/// </summary>
public static class HttpApiExtensions
{
    public static IHostApplicationBuilder AddHttpApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton(provider => new HttpCallers(provider.GetService<KeyCheck>()));
        services.AddSingleton<OpenAiResponder>();
        return builder;
    }

    public static WebApplication MapHttpApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenAi();
        app.MapLlmApi();
        return app;
    }
}
