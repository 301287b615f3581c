namespace Herd.Tests.Gateway.Access.Keys;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class SettableClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
