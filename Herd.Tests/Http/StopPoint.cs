namespace Herd.Tests.Http;

/// <summary>Where a greedy answer can be cut by a stop sequence: a short text that first occurs there, past the start.</summary>
internal static class StopPoint
{
    /// <returns>The stop sequence and the index at which it first occurs: two characters where some fit, else one.</returns>
    public static (string Stop, int At) In(string text)
    {
        foreach (var length in new[] { 2, 1 })
        {
            for (var at = 1; at + length <= text.Length; at++)
            {
                var stop = text.Substring(at, length);
                if (text.IndexOf(stop, StringComparison.Ordinal) == at)
                {
                    return (stop, at);
                }
            }
        }

        Assert.Fail($"No stop sequence fits in \"{text}\".");
        return default;
    }
}
