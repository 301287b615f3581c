using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Herd.AppHost;

/// <summary>
/// What the app host runs or publishes, bound from the <c>Herd:AppHost</c> section and the command
/// line (<c>--nodes 2 --gateways 2 --model ~/models/llama --group team-a --capacity 8</c>).
/// </summary>
public sealed partial record AppHostOptions
{
    public const string Section = "Herd:AppHost";

    /// <summary>Command-line switches and the configuration keys they set; the publishing ones are Aspire's.</summary>
    public static readonly IDictionary<string, string> Switches = new Dictionary<string, string>
    {
        ["--nodes"] = $"{Section}:{nameof(Nodes)}",
        ["--gateways"] = $"{Section}:{nameof(Gateways)}",
        ["--model"] = $"{Section}:{nameof(Model)}",
        ["--group"] = $"{Section}:{nameof(Group)}",
        ["--capacity"] = $"{Section}:{nameof(Capacity)}",
        ["--device"] = $"{Section}:{nameof(Device)}",
        ["--otlp-endpoint"] = $"{Section}:{nameof(OtlpEndpoint)}",
        ["--state-folder"] = Hosting.AppModelExtensions.StateFolderKey,
        ["--publisher"] = "Publishing:Publisher",
        ["--output-path"] = "Publishing:OutputPath",
    };

    /// <summary>Where an Aspire app host is told its dashboard's OTLP endpoint; honoured when <c>--otlp-endpoint</c> is not given.</summary>
    public const string AspireDashboardOtlpKey = "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL";

    /// <summary>The same, under the name Aspire 8 used.</summary>
    public const string LegacyDashboardOtlpKey = "DOTNET_DASHBOARD_OTLP_ENDPOINT_URL";

    /// <summary>How many nodes to run (0 to 64); each links to every gateway.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>How many gateway replicas to run (1 to 16), sharing Redis and the ledger.</summary>
    public int Gateways { get; init; } = 1;

    /// <summary>The model every node serves: a Hugging Face snapshot folder, or a built-in name (<c>herd-tiny</c>).</summary>
    public string Model { get; init; } = "herd-tiny";

    /// <summary>The node group the nodes belong to.</summary>
    public string Group { get; init; } = "default";

    /// <summary>Sequences each node runs at once (its slots); 0 keeps the node's default.</summary>
    public int Capacity { get; init; }

    /// <summary>Where nodes run the model: <c>auto</c>, <c>cpu</c> or <c>cuda</c>. Published, <c>cuda</c> requests a GPU per node.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>The OTLP endpoint every process exports to (for example the standalone Aspire dashboard's, http://localhost:4317).</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary><c>manifest</c> or <c>kubernetes</c> to publish the herd instead of running it.</summary>
    public string? Publisher { get; init; }

    /// <summary>The manifest file, or the folder of Kubernetes YAML, to publish to.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Whether <see cref="Model"/> names a folder rather than a built-in model.</summary>
    public bool ModelIsFolder => Model.Contains('/', StringComparison.Ordinal) || Model.StartsWith('.') || Directory.Exists(Model);

    /// <summary>Reads the options, with the model folder made absolute; a message per problem in <paramref name="errors"/>.</summary>
    public static AppHostOptions Read(IConfiguration configuration, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var section = configuration.GetSection(Section);
        var options = new AppHostOptions
        {
            Nodes = Number(section, nameof(Nodes), 1, 0, 64, "--nodes", problems),
            Gateways = Number(section, nameof(Gateways), 1, 1, 16, "--gateways", problems),
            Capacity = Number(section, nameof(Capacity), 0, 0, 1024, "--capacity", problems),
            Model = section[nameof(Model)] is { Length: > 0 } model ? model : "herd-tiny",
            Group = section[nameof(Group)] is { Length: > 0 } group ? group : "default",
            Device = section[nameof(Device)] is { Length: > 0 } device ? device : "auto",
            OtlpEndpoint = new[] { section[nameof(OtlpEndpoint)], configuration[AspireDashboardOtlpKey], configuration[LegacyDashboardOtlpKey] }
                .FirstOrDefault(endpoint => endpoint is { Length: > 0 }),
            Publisher = configuration["Publishing:Publisher"] is { Length: > 0 } publisher ? publisher : null,
            OutputPath = configuration["Publishing:OutputPath"] is { Length: > 0 } output ? output : null,
        };

        if (!GroupPattern().IsMatch(options.Group))
        {
            problems.Add($"--group '{options.Group}' is not a node group name: 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (options.Device is not ("auto" or "cpu" or "cuda"))
        {
            problems.Add($"--device '{options.Device}' is not one of auto, cpu, cuda.");
        }

        if (options.OtlpEndpoint is { } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            problems.Add($"--otlp-endpoint '{endpoint}' is not an http:// or https:// URL (the Aspire dashboard's OTLP endpoint is http://localhost:4317).");
        }

        if (options.Publisher is { } chosen && chosen is not ("manifest" or "kubernetes"))
        {
            problems.Add($"--publisher '{chosen}' is not known: use manifest (an Aspire manifest) or kubernetes (YAML for kubectl apply -k).");
        }

        if (options.Publisher is not null && options.OutputPath is null)
        {
            problems.Add("--publisher needs --output-path: the manifest file, or the folder for the Kubernetes YAML.");
        }

        if (options.ModelIsFolder && options.Publisher is null)
        {
            var folder = Path.GetFullPath(options.Model.StartsWith("~/", StringComparison.Ordinal)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), options.Model[2..])
                : options.Model);
            if (!Directory.Exists(folder))
            {
                problems.Add($"--model '{options.Model}' is not a folder ({folder} does not exist). Give a Hugging Face snapshot folder, or herd-tiny.");
            }

            options = options with { Model = folder };
        }

        errors = problems;
        return options;
    }

    private static int Number(IConfigurationSection section, string key, int fallback, int min, int max, string option, List<string> problems)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{option} '{text}' is not a whole number from {min} to {max}.");
        return fallback;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex GroupPattern();
}
