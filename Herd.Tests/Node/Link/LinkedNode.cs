using System.Globalization;
using Herd.Node.Models;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Tests.Node.Link;

/// <summary>Starts real node processes that link to a gateway, with herd-tiny generated once into a private model cache.</summary>
public sealed class LinkedNode : IDisposable
{
    public const int Slots = 4;

    public LinkedNode()
    {
        ModelCache = Directory.CreateTempSubdirectory("herd-models-").FullName;
        ModelFolder = new ModelLocator(ModelCache, NullLogger<ModelLocator>.Instance).Locate("herd-tiny");
    }

    public string ModelCache { get; }

    public string ModelFolder { get; }

    internal ChildProcess Start(string gatewayUrl, string nodeId, string secret = GatewayHost.Secret, string drainTimeout = "00:00:30") =>
        HerdService.Start("Herd.Node",
            [string.Create(CultureInfo.InvariantCulture, $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{FreePort.Next()}")],
            new Dictionary<string, string>
            {
                ["HERD_MODEL_CACHE"] = ModelCache,
                ["HERD_NODE_SECRET"] = secret,
                ["Herd__Node__Gateways__0"] = gatewayUrl,
                ["Herd__Node__NodeId"] = nodeId,
                ["Herd__Node__Device"] = "cpu",
                ["Herd__Node__Threads"] = "1",
                ["Herd__Node__DrainTimeout"] = drainTimeout,
                ["Herd__Node__ReconnectMaxDelay"] = "00:00:01",
                ["Herd__Node__Engine__MaxSequences"] = Slots.ToString(CultureInfo.InvariantCulture),
            });

    public void Dispose() => Directory.Delete(ModelCache, recursive: true);
}
