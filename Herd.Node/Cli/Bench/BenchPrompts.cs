namespace Herd.Node.Cli.Bench;

/// <summary>
/// The prompts benchmarks send: token ids spread over the whole vocabulary, the same for a given
/// length and seed, so another engine can be sent exactly the prompts Herd was.
/// </summary>
internal static class BenchPrompts
{
    public static int[] Ids(int vocabularySize, int length, int seed) =>
        [.. Enumerable.Range(0, length).Select(i => (int)((seed * 7919L + i * 104729L) % (vocabularySize - 1)) + 1)];
}
