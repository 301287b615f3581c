using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Herd.AppHost;

/// <summary>
/// What the app host runs or publishes, bound from the <c>Herd</c> section of Aspire's configuration:
/// <c>--Herd:Nodes 2</c> on the command line, <c>Herd__Nodes=2</c> in the environment, or
/// appsettings.json. The short switches (<c>--nodes 2 --gateways 2 --model ~/models/llama</c>) say the same.
/// </summary>
public sealed partial record HerdOptions
{
    public const string Section = "Herd";

    /// <summary>The short command-line switches and the configuration keys they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--nodes"] = $"{Section}:{nameof(Nodes)}",
        ["--gateways"] = $"{Section}:{nameof(Gateways)}",
        ["--model"] = $"{Section}:{nameof(Model)}",
        ["--group"] = $"{Section}:{nameof(Group)}",
        ["--capacity"] = $"{Section}:{nameof(Capacity)}",
        ["--max-nodes"] = $"{Section}:{nameof(MaxNodes)}",
        ["--queued-jobs-per-node"] = $"{Section}:{nameof(QueuedJobsPerNode)}",
        ["--device"] = $"{Section}:{nameof(Device)}",
        ["--state-folder"] = Resources.StateFolder.ConfigurationKey,
    };

    /// <summary>How many nodes to run (0 to 64).</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>How many gateway replicas to run (1 to 16), sharing Redis and the ledger.</summary>
    public int Gateways { get; init; } = 1;

    /// <summary>The model every node serves: a Hugging Face snapshot folder, or a built-in name (<c>herd-tiny</c>).</summary>
    public string Model { get; init; } = "herd-tiny";

    /// <summary>The node group the nodes belong to.</summary>
    public string Group { get; init; } = "default";

    /// <summary>
    /// Published: the most node pods a HorizontalPodAutoscaler may run, scaling between
    /// <see cref="Nodes"/> and this by the queue's depth; 0 publishes a fixed <see cref="Nodes"/>.
    /// </summary>
    public int MaxNodes { get; init; }

    /// <summary>Published with <see cref="MaxNodes"/>: the queued jobs per node pod the autoscaler aims at.</summary>
    public int QueuedJobsPerNode { get; init; } = 4;

    /// <summary>Sequences each node runs at once (its slots); 0 keeps the node's default.</summary>
    public int Capacity { get; init; }

    /// <summary>Where nodes run the model: <c>auto</c>, <c>cpu</c> or <c>cuda</c>. Published, <c>cuda</c> requests a GPU per node.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Whether the app host prints its banner (the dashboard, the admin key, a command to try) once
    /// the herd is up. A program that runs the herd for its own ends, such as <c>herd bench-gateway</c>,
    /// turns it off (<c>--Herd:Banner=false</c>) so that its output is its own.
    /// </summary>
    public bool Banner { get; init; } = true;

    /// <summary>Whether <see cref="Model"/> names a folder rather than a built-in model.</summary>
    public bool ModelIsFolder => Model.Contains('/', StringComparison.Ordinal) || Model.StartsWith('.') || Directory.Exists(Model);

    /// <summary>The arguments with each short switch (<c>--nodes</c>) written as its configuration key (<c>--Herd:Nodes</c>).</summary>
    public static string[] ExpandSwitches(IEnumerable<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return [.. args.Select(argument =>
        {
            var (name, value) = argument.Split('=', 2) is [var left, var right] ? (left, "=" + right) : (argument, string.Empty);
            return Switches.TryGetValue(name, out var key) ? $"--{key}{value}" : argument;
        })];
    }

    /// <summary>Reads the options, with a model folder made absolute; a message per problem in <paramref name="errors"/>.</summary>
    /// <param name="configuration">The app host's configuration.</param>
    /// <param name="checkModelFolder">Whether a model folder must exist here (not when publishing for elsewhere).</param>
    /// <param name="errors">One line per bad option, naming it and what it takes.</param>
    public static HerdOptions Read(IConfiguration configuration, bool checkModelFolder, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var section = configuration.GetSection(Section);
        var options = new HerdOptions
        {
            Nodes = Number(section, nameof(Nodes), 1, 0, 64, problems),
            Gateways = Number(section, nameof(Gateways), 1, 1, 16, problems),
            Capacity = Number(section, nameof(Capacity), 0, 0, 1024, problems),
            MaxNodes = Number(section, nameof(MaxNodes), 0, 0, 1024, problems),
            QueuedJobsPerNode = Number(section, nameof(QueuedJobsPerNode), 4, 1, 10_000, problems),
            Model = section[nameof(Model)] is { Length: > 0 } model ? model : "herd-tiny",
            Group = section[nameof(Group)] is { Length: > 0 } group ? group : "default",
            Device = section[nameof(Device)] is { Length: > 0 } device ? device : "auto",
            Banner = Flag(section, nameof(Banner), true, problems),
        };

        if (!GroupPattern().IsMatch(options.Group))
        {
            problems.Add($"{SwitchOf(nameof(Group))} '{options.Group}' is not a node group name: 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (options.Device is not ("auto" or "cpu" or "cuda"))
        {
            problems.Add($"{SwitchOf(nameof(Device))} '{options.Device}' is not one of auto, cpu, cuda.");
        }

        if (options.MaxNodes > 0 && options.MaxNodes < Math.Max(1, options.Nodes))
        {
            problems.Add($"{SwitchOf(nameof(MaxNodes))} {options.MaxNodes} is below the nodes to start with ({Math.Max(1, options.Nodes)}): give at least as many, or 0 for a fixed count.");
        }

        if (options.ModelIsFolder && checkModelFolder)
        {
            var folder = Path.GetFullPath(options.Model.StartsWith("~/", StringComparison.Ordinal)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), options.Model[2..])
                : options.Model);
            if (!Directory.Exists(folder))
            {
                problems.Add($"{SwitchOf(nameof(Model))} '{options.Model}' is not a folder ({folder} does not exist). Give a Hugging Face snapshot folder, or herd-tiny.");
            }

            options = options with { Model = folder };
        }

        errors = problems;
        return options;
    }

    private static int Number(IConfigurationSection section, string key, int fallback, int min, int max, List<string> problems)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{SwitchOf(key)} '{text}' is not a whole number from {min} to {max}.");
        return fallback;
    }

    private static bool Flag(IConfigurationSection section, string key, bool fallback, List<string> problems)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Add($"{Section}:{key} '{text}' is not true or false.");
        return fallback;
    }

    private static string SwitchOf(string key) => Switches.First(entry => entry.Value == $"{Section}:{key}").Key;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex GroupPattern();
}
