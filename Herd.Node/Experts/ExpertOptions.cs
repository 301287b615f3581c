using System.ComponentModel.DataAnnotations;

namespace Herd.Node.Experts;

/// <summary>The node's experts and how prompts are routed to them, bound from <c>Herd:Node:Experts</c>.</summary>
public sealed record ExpertOptions
{
    public const string Section = "Herd:Node:Experts";

    /// <summary>The experts file (YAML; see docs/experts.md); empty: the node has no experts and routes nothing.</summary>
    public string? File { get; init; }

    /// <summary>
    /// How prompts and samples are embedded for routing: <c>tokens</c>, the mean of the model's
    /// input embeddings of the text's tokens (costs next to nothing), or <c>hidden</c>, the node's
    /// embeddings (the mean of the last hidden states: one pass of the model over the prompt before
    /// its prefill). Centroids are only comparable with prompts embedded the same way.
    /// </summary>
    [RegularExpression("^(tokens|hidden)$", ErrorMessage = "Herd:Node:Experts:Embedding must be tokens or hidden.")]
    public string Embedding { get; init; } = RoutingEmbedding.Tokens;

    /// <summary>The softmax temperature that turns the top experts' distances into blend weights.</summary>
    [Range(1e-6, 100.0)]
    public double Temperature { get; init; } = 0.1;

    /// <summary>The most experts one request may blend (its <c>top_experts</c>).</summary>
    [Range(1, 64)]
    public int MaxTopExperts { get; init; } = 4;
}

/// <summary>The ways of embedding text for routing (see <see cref="ExpertOptions.Embedding"/>).</summary>
public static class RoutingEmbedding
{
    public const string Tokens = "tokens";
    public const string Hidden = "hidden";
}
