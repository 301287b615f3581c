using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Herd.Gateway.Access.Keys;
using Herd.Tests.Fixtures;
using Herd.Tests.Gateway.Ledger;
using Microsoft.Extensions.DependencyInjection;

namespace Herd.Tests.Http;

/// <summary>A herd with access control on (one gateway, one node) for the tests of the HTTP door.</summary>
public sealed class HttpHerdFixture : IAsyncLifetime
{
    public const string Roles = """
        roles:
          admin:
            allow_methods: ["*"]
          caller:
            allow_methods: ["http/*", "herd.v1.Completions/*"]
          grpc-only:
            allow_methods: ["herd.v1.Completions/*"]
          llama-only:
            allow_models: ["llama-*"]
            allow_methods: ["http/*"]
          nowhere:
            allow_methods: ["http/*"]
            allow_node_groups: ["nowhere"]
          once:
            allow_methods: ["http/*"]
            limits:
              - { requests: 1, per: 1h }
        """;

    private readonly int _httpsPort = FreePort.Next();
    private TestHerd? _herd;
    private LedgerHost? _ledger;
    private string? _rolesFolder;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    internal LedgerHost Ledger => _ledger ?? throw new InvalidOperationException("The herd has not started.");

    /// <summary>The gateway's HTTP endpoint (HTTP/1.1).</summary>
    internal Uri BaseUrl => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Herd.Gateways[0].HttpPort}/v1/"));

    /// <summary>The gateway's HTTPS endpoint (HTTP/1.1 and HTTP/2 by ALPN), with a certificate of the fixture's own.</summary>
    internal Uri HttpsUrl => new(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{_httpsPort}/v1/"));

    /// <summary>The gRPC endpoint, where the HTTP routes answer HTTP/2 with prior knowledge.</summary>
    internal Uri H2cUrl => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Herd.Gateways[0].GrpcPort}/v1/"));

    /// <summary>The HTTPS endpoint's self-signed certificate, which the tests' clients trust.</summary>
    internal X509Certificate2? Certificate { get; private set; }

    public async Task InitializeAsync()
    {
        _rolesFolder = Directory.CreateTempSubdirectory("herd-http-roles-").FullName;
        var rolesFile = Path.Combine(_rolesFolder, "roles.yaml");
        await File.WriteAllTextAsync(rolesFile, Roles);
        var (certificatePath, keyPath) = WriteCertificate(_rolesFolder);
        _herd = await TestHerd.StartAsync(
            gateways: 1,
            nodes: 1,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Herd__Gateway__Access__RolesFile"] = rolesFile,
                ["Herd__Gateway__Queue__MaxWait"] = "00:00:05",
                ["Kestrel__Endpoints__Https__Url"] = HttpsUrl.GetLeftPart(UriPartial.Authority),
                ["Kestrel__Endpoints__Https__Protocols"] = "Http1AndHttp2",
                ["Kestrel__Endpoints__Https__Certificate__Path"] = certificatePath,
                ["Kestrel__Endpoints__Https__Certificate__KeyPath"] = keyPath,
            },
            withAccess: true);
        _ledger = LedgerHost.Build(Herd.LedgerConnectionString!);
    }

    /// <summary>A new key of <paramref name="role"/> for one test.</summary>
    internal async Task<string> KeyAsync(string role) =>
        (await _ledger!.Services.GetRequiredService<ApiKeyStore>().CreateAsync($"http test key of role {role}", role)).Secret;

    internal static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    /// <summary>A client of <paramref name="baseUrl"/> that trusts the fixture's certificate and sends the key as OpenAI's clients do.</summary>
    internal HttpClient Http(string? key, Uri baseUrl)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == Certificate?.GetCertHashString();
        var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>A self-signed certificate for 127.0.0.1, as PEM files Kestrel reads.</summary>
    private (string CertificatePath, string KeyPath) WriteCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=herd test gateway", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(folder, "gateway.crt");
        var keyPath = Path.Combine(folder, "gateway.key");
        File.WriteAllText(certificatePath, Certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>A client of the HTTP endpoint that sends the key as OpenAI's clients do.</summary>
    internal HttpClient Http(string? key) => Http(key, BaseUrl);

    public async Task DisposeAsync()
    {
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }

        if (_herd is not null)
        {
            await _herd.DisposeAsync();
        }

        Certificate?.Dispose();
        if (_rolesFolder is not null)
        {
            Directory.Delete(_rolesFolder, recursive: true);
        }
    }
}
