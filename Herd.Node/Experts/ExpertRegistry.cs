using Microsoft.Extensions.Logging;

namespace Herd.Node.Experts;

/// <summary>
/// The node's experts, each with a centroid: stored in the experts file, or the mean embedding
/// of its samples, computed when the node starts.
/// </summary>
public sealed partial class ExpertRegistry
{
    private readonly Dictionary<string, Expert> _byName;

    private ExpertRegistry(IReadOnlyList<Expert> experts)
    {
        All = experts;
        _byName = experts.ToDictionary(expert => expert.Name, StringComparer.Ordinal);
    }

    public static ExpertRegistry Empty { get; } = new([]);

    public IReadOnlyList<Expert> All { get; }

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

        return new ExpertRegistry(experts);
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

    /// <summary>The file's centroid when it was embedded the way the node routes; null when it must be computed.</summary>
    private static List<float>? Stored(ExpertDefinition definition, string embedding) =>
        definition.Centroid is { } centroid && (definition.CentroidEmbedding ?? RoutingEmbedding.Tokens) == embedding ? centroid : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert {Expert} runs adapter {Adapter}; centroid from {Source}")]
    private static partial void LogExpert(ILogger logger, string expert, string adapter, string source);
}
