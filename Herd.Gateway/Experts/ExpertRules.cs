using System.Text.RegularExpressions;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Experts;

/// <summary>What an expert of the registry may be, checked before it is stored: the nodes check the rest (the centroid's length against their model).</summary>
public static partial class ExpertRules
{
    public const string NameShape = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";
    public const int MaxSamples = 64;
    public const int MaxSampleLength = 4000;
    public const int MaxCentroidLength = 65536;
    public static readonly IReadOnlyList<string> Embeddings = ["tokens", "hidden"];

    /// <summary>The embedding a centroid given without one was made with, as the nodes assume.</summary>
    public static string DefaultEmbedding => Embeddings[0];

    public static bool IsName(string name) => NamePattern().IsMatch(name);

    /// <summary>Every problem of the request, each a sentence a person can act on; empty when it may be stored.</summary>
    public static IReadOnlyList<string> Problems(PutExpertRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<string>();
        if (request.Model.Length is 0 or > ExpertRecord.MaxModelLength)
        {
            problems.Add($"model must be a served model's name, 1 to {ExpertRecord.MaxModelLength} characters (ListModels shows them).");
        }

        if (request.Expert is not { } expert)
        {
            problems.Add("expert is required: its name, adapter, and samples or centroid.");
            return problems;
        }

        if (!IsName(expert.Name))
        {
            problems.Add($"name must be {NameShape}.");
        }

        if (expert.Adapter.Length is 0 or > ExpertRecord.MaxAdapterLength)
        {
            problems.Add($"adapter must name one of the model's adapters, 1 to {ExpertRecord.MaxAdapterLength} characters (ListNodes shows them).");
        }

        if (expert.Samples.Count == 0 && expert.Centroid.Count == 0)
        {
            problems.Add("give samples (texts of the expert's kind), a centroid, or both.");
        }

        if (expert.Samples.Count > MaxSamples)
        {
            problems.Add($"samples has {expert.Samples.Count} texts; at most {MaxSamples} are taken.");
        }

        if (expert.Samples.Any(sample => string.IsNullOrWhiteSpace(sample) || sample.Length > MaxSampleLength))
        {
            problems.Add($"each sample must be 1 to {MaxSampleLength} characters, not all blank.");
        }

        if (expert.Centroid.Count > MaxCentroidLength || expert.Centroid.Any(value => !float.IsFinite(value)))
        {
            problems.Add($"centroid must have at most {MaxCentroidLength} values, all finite.");
        }

        if (expert.CentroidEmbedding.Length > 0 && !Embeddings.Contains(expert.CentroidEmbedding))
        {
            problems.Add($"centroid_embedding must be empty, {string.Join(" or ", Embeddings)}, not '{expert.CentroidEmbedding}'.");
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
