using Herd.Node.Engine;

namespace Herd.Tests.Node.Engine;

/// <summary>Runs requests through an engine and collects what they produced.</summary>
internal static class EngineHarness
{
    public static async Task<Completion> CompleteAsync(EngineLoop engine, IReadOnlyList<int> prompt, SamplingParameters sampling, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        var tokens = new List<int>();
        GenerationEvent? last = null;
        await foreach (var generationEvent in engine.GenerateAsync(new GenerationRequest(Guid.NewGuid().ToString("N"), prompt, sampling), cancellationToken))
        {
            if (generationEvent is GeneratedText generated)
            {
                text.Append(generated.Text);
                tokens.AddRange(generated.TokenIds);
            }

            last = generationEvent;
        }

        return new Completion(text.ToString(), tokens, last);
    }

    public static int[] Prompt(int seed, int length) => [.. ModelForwardTests.Prompt(seed, length).Select(id => (int)id)];
}

internal sealed record Completion(string Text, IReadOnlyList<int> Tokens, GenerationEvent? Last)
{
    public FinishReason? Reason => (Last as GenerationFinished)?.Reason;
}
