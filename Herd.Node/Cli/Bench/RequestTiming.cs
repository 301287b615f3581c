namespace Herd.Node.Cli.Bench;

/// <summary>How one benchmark request went.</summary>
internal sealed record RequestTiming(int Tokens, TimeSpan TimeToFirstToken, TimeSpan Total)
{
    /// <summary>Tokens after the first over the time they took: pure decode speed.</summary>
    public double DecodeTokensPerSecond => (Tokens - 1) / (Total - TimeToFirstToken).TotalSeconds;
}
