using TorchSharp;

namespace Herd.Node.Engine;

/// <summary>
/// What the sampler remembers about one sequence: its parameters, its random generator (seeded,
/// so a seeded request gives the same tokens wherever and with whatever it is batched), and the
/// tokens the penalties look at.
/// </summary>
public sealed class SamplingState : IDisposable
{
    private readonly HashSet<int> _seen;
    private readonly Dictionary<int, int> _generatedCounts = [];

    public SamplingState(SamplingParameters parameters, IReadOnlyList<int> promptTokens)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(promptTokens);
        Parameters = parameters;
        _seen = [.. promptTokens];
        if (!parameters.IsGreedy)
        {
            var seed = parameters.Seed ?? (ulong)Random.Shared.NextInt64();
            Generator = new torch.Generator(seed, torch.CPU);
        }
    }

    public SamplingParameters Parameters { get; }

    /// <summary>Null for greedy sequences, which draw nothing.</summary>
    public torch.Generator? Generator { get; }

    /// <summary>Tokens of the prompt and the output, for the repetition penalty.</summary>
    public IReadOnlyCollection<int> SeenTokens => _seen;

    /// <summary>How often each token was generated, for the frequency and presence penalties.</summary>
    public IReadOnlyDictionary<int, int> GeneratedCounts => _generatedCounts;

    public void Record(int tokenId)
    {
        _seen.Add(tokenId);
        _generatedCounts[tokenId] = _generatedCounts.GetValueOrDefault(tokenId) + 1;
    }

    public void Dispose() => Generator?.Dispose();
}
