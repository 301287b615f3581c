namespace Herd.Tests.Fixtures;

/// <summary>Waits for what a herd does a moment after a call returns (a node announcing, a directory refreshing).</summary>
internal static class Poll
{
    /// <exception cref="TimeoutException">Not within 30 s; the message says what was awaited.</exception>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within 30 s: {what}.");
            }

            await Task.Delay(100);
        }
    }
}
