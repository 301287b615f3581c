using Microsoft.Extensions.Logging;

namespace Herd.Node.Experts;

/// <summary>
/// The node's experts, each with a centroid: those of its experts file, read when the node starts,
/// and those registered with the herd (<c>herd.v1.Experts</c>), which the gateways send and which
/// replace file experts of the same name. A centroid is stored, or the mean embedding of the
/// expert's samples. Immutable: a change makes a new registry.
/// </summary>
public sealed partial class ExpertRegistry
{
    private readonly IReadOnlyList<Expert> _fromFile;
    private readonly Dictionary<string, (ExpertDefinition Definition, Expert Expert)> _fromHerd;
    private readonly Dictionary<string, Expert> _byName;

    private ExpertRegistry(IReadOnlyList<Expert> fromFile, IReadOnlyList<(ExpertDefinition Definition, Expert Expert)> herd, long herdRevision)
    {
        _fromFile = fromFile;
        _fromHerd = herd.ToDictionary(pair => pair.Expert.Name, StringComparer.Ordinal);
        var fromHerd = herd.Select(pair => pair.Expert).ToList();
        var herdNames = fromHerd.Select(expert => expert.Name).ToHashSet(StringComparer.Ordinal);
        All = [.. fromHerd, .. fromFile.Where(expert => !herdNames.Contains(expert.Name))];
        _byName = All.ToDictionary(expert => expert.Name, StringComparer.Ordinal);
        HerdRevision = herdRevision;
    }

    public static ExpertRegistry Empty { get; } = new([], [], 0);

    public IReadOnlyList<Expert> All { get; }

    /// <summary>The revision of the herd's experts in this registry; 0 before any came.</summary>
    public long HerdRevision { get; }

    public Expert? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Reads the experts file and makes every centroid the file lacks.</summary>
    /// <param name="adapters">the node's adapter names: every expert's adapter must be one</param>
    /// <param name="embed">embeds texts for routing, one unit vector of <paramref name="dimensions"/> values per text</param>
    /// <exception cref="ExpertFileException">The file is invalid, names an adapter the node lacks, or has a centroid of the wrong length.</exception>
    public static ExpertRegistry Load(ExpertOptions options, IReadOnlyList<string> adapters, int dimensions, Func<IReadOnlyList<string>, float[][]> embed, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(embed);
        if (string.IsNullOrEmpty(options.File))
        {
            return Empty;
        }

        var definitions = ExpertFile.Read(options.File);
        var problems = new List<string>();
        foreach (var definition in definitions)
        {
            if (!adapters.Contains(definition.Adapter, StringComparer.Ordinal))
            {
                problems.Add($"{options.File}: expert '{definition.Name}' runs adapter '{definition.Adapter}', which this node does not have " +
                    $"({(adapters.Count == 0 ? "it has no adapters; set Herd:Node:Adapters:Folder" : "it has " + string.Join(", ", adapters))}).");
            }

            if (Stored(definition, options.Embedding) is null && definition.Samples.Count == 0)
            {
                problems.Add($"{options.File}: expert '{definition.Name}' has a centroid made with '{definition.CentroidEmbedding}' embeddings and no samples, " +
                    $"but this node routes with '{options.Embedding}' embeddings (Herd:Node:Experts:Embedding). Give samples, or compute the centroid again (Herd.Node centroids).");
            }

            if (Stored(definition, options.Embedding) is { } centroid && centroid.Count != dimensions)
            {
                problems.Add($"{options.File}: expert '{definition.Name}' has a centroid of {centroid.Count} values; this model's embeddings have {dimensions}. Compute it again (Herd.Node centroids).");
            }
        }

        if (problems.Count > 0)
        {
            throw new ExpertFileException(string.Join(Environment.NewLine, problems));
        }

        var experts = new List<Expert>();
        foreach (var definition in definitions)
        {
            var centroid = Stored(definition, options.Embedding) is { } stored ? [.. stored] : Centroid(definition.Samples, embed);
            experts.Add(new Expert(definition.Name, definition.Adapter, centroid));
            LogExpert(logger, definition.Name, definition.Adapter, Stored(definition, options.Embedding) is null ? $"{definition.Samples.Count} samples" : "its stored centroid");
        }

        return new ExpertRegistry(experts, [], 0);
    }

    /// <summary>
    /// This registry's file experts with <paramref name="definitions"/> as the herd's experts, in
    /// place of those it had. An expert that cannot run here (an adapter the node lacks, a centroid
    /// of another length or embedding and no samples) is left out with a warning: the other nodes
    /// may serve it.
    /// </summary>
    public async Task<ExpertRegistry> WithHerdExpertsAsync(
        long revision,
        IReadOnlyList<ExpertDefinition> definitions,
        ExpertOptions options,
        IReadOnlyList<string> adapters,
        int dimensions,
        Func<IReadOnlyList<string>, CancellationToken, Task<float[][]>> embed,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(embed);
        var experts = new List<(ExpertDefinition, Expert)>();
        foreach (var definition in definitions)
        {
            // A list repeats the experts that did not change: their centroids are not embedded again.
            if (_fromHerd.TryGetValue(definition.Name, out var known) && SameSource(known.Definition, definition))
            {
                experts.Add(known);
                continue;
            }

            var stored = Stored(definition, options.Embedding) is { } centroid && centroid.Count == dimensions ? centroid : null;
            var problem = !ExpertNames.IsValid(definition.Name) ? $"its name is not {ExpertNames.Shape}"
                : !adapters.Contains(definition.Adapter, StringComparer.Ordinal) ? $"this node has no adapter '{definition.Adapter}'"
                : stored is null && definition.Samples.Count == 0 ? $"its centroid was made with '{definition.CentroidEmbedding}' embeddings or has not {dimensions} values, and it has no samples"
                : null;
            if (problem is not null)
            {
                LogHerdExpertLeftOut(logger, definition.Name, problem);
                continue;
            }

            experts.Add((definition, new Expert(definition.Name, definition.Adapter, stored is null ? Mean(await embed(definition.Samples, cancellationToken)) : [.. stored])));
        }

        var names = string.Join(", ", experts.Select(pair => pair.Item2.Name));
        LogHerdExperts(logger, experts.Count, revision, names);
        return new ExpertRegistry(_fromFile, experts, revision);
    }

    /// <summary>The mean of the samples' embeddings.</summary>
    public static float[] Centroid(IReadOnlyList<string> samples, Func<IReadOnlyList<string>, float[][]> embed)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(embed);
        return Mean(embed(samples));
    }

    /// <summary>The element-wise mean of equally long vectors.</summary>
    public static float[] Mean(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var centroid = new float[vectors[0].Length];
        foreach (var vector in vectors)
        {
            for (var i = 0; i < centroid.Length; i++)
            {
                centroid[i] += vector[i] / vectors.Count;
            }
        }

        return centroid;
    }

    private static bool SameSource(ExpertDefinition known, ExpertDefinition definition) =>
        known.Adapter == definition.Adapter
        && known.Samples.SequenceEqual(definition.Samples, StringComparer.Ordinal)
        && (known.Centroid ?? []).SequenceEqual(definition.Centroid ?? [])
        && known.CentroidEmbedding == definition.CentroidEmbedding;

    /// <summary>The file's centroid when it was embedded the way the node routes; null when it must be computed.</summary>
    private static List<float>? Stored(ExpertDefinition definition, string embedding) =>
        definition.Centroid is { } centroid && (definition.CentroidEmbedding ?? RoutingEmbedding.Tokens) == embedding ? centroid : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The herd's expert {Expert} is left out on this node: {Problem}")]
    private static partial void LogHerdExpertLeftOut(ILogger logger, string expert, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "The herd's experts, revision {Revision}: {Count} routed on this node ({Experts})")]
    private static partial void LogHerdExperts(ILogger logger, int count, long revision, string experts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert {Expert} runs adapter {Adapter}; centroid from {Source}")]
    private static partial void LogExpert(ILogger logger, string expert, string adapter, string source);
}
