using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.EntityConfigurations;
using Herd.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Herd.Tests.Gateway.Ledger;

[Collection(WithServers.Name)]
public sealed class FeedbackTests(ServersFixture servers)
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Save_ScoreInRange_IsKept(int score)
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);

        await SaveAsync(ledger, score, "fine");

        await using var reader = ledger.CreateContext();
        Assert.Equal(score, Assert.Single(await reader.Feedback.ToListAsync()).Score);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(-1)]
    public async Task Save_ScoreOutOfRange_IsRefusedByTheDatabase(int score)
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(ledger, score, null));

        var postgres = Assert.IsType<PostgresException>(error.InnerException);
        Assert.Equal((PostgresErrorCodes.CheckViolation, FeedbackConfiguration.ScoreConstraint), (postgres.SqlState, postgres.ConstraintName));
        await using var reader = ledger.CreateContext();
        Assert.Empty(await reader.Feedback.ToListAsync());
    }

    [Fact]
    public async Task Save_CommentOverTheLimit_IsRefusedByTheDatabase()
    {
        await using var ledger = await LedgerHost.CreateAsync(servers.Postgres);

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(ledger, 3, new string('x', Feedback.MaxCommentLength + 1)));

        Assert.Equal(PostgresErrorCodes.StringDataRightTruncation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    private static async Task SaveAsync(LedgerHost ledger, int score, string? comment)
    {
        await using var context = ledger.CreateContext();
        context.Feedback.Add(new Feedback
        {
            RequestId = "req-1",
            KeyId = "abcdefghij01",
            Score = score,
            Comment = comment,
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await context.SaveChangesAsync();
    }
}
