using Herd.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Herd.Gateway.Experts;

/// <summary>
/// The herd's expert registry in the ledger: registering, replacing, deleting and reading experts,
/// and each model's revision, which grows with every change to its experts so that nodes can tell
/// a newer list from an older one.
/// </summary>
public sealed partial class ExpertStore(IDbContextFactory<LedgerDbContext> contexts, TimeProvider time, ILogger<ExpertStore> logger)
{
    // PostgreSQL keeps microseconds: a revision is a whole number of them.
    private static readonly TimeSpan Step = TimeSpan.FromMicroseconds(1);

    /// <summary>Registers the expert, or replaces the one of its model and name (a deleted one comes back).</summary>
    public async Task<ExpertRecord> PutAsync(ExpertRecord expert, string? keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expert);
        try
        {
            return await TryPutAsync(expert, keyId, cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another call registered the same name in between: this one replaces it.
            return await TryPutAsync(expert, keyId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <returns>false when the model has no expert of that name</returns>
    public async Task<bool> DeleteAsync(string model, string name, string? keyId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var stored = await context.Experts.SingleOrDefaultAsync(expert => expert.Model == model && expert.Name == name && expert.DeletedAt == null, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return false;
        }

        stored.UpdatedAt = await NextRevisionAsync(context, model, cancellationToken).ConfigureAwait(false);
        stored.DeletedAt = stored.UpdatedAt;
        stored.UpdatedBy = keyId;
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        LogDeleted(model, name, keyId);
        return true;
    }

    /// <summary>The registered experts, of <paramref name="model"/> or (null) of every model, by model and name.</summary>
    public async Task<IReadOnlyList<ExpertRecord>> ListAsync(string? model, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Experts.AsNoTracking()
            .Where(expert => expert.DeletedAt == null && (model == null || expert.Model == model))
            .OrderBy(expert => expert.Model).ThenBy(expert => expert.Name)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The model's registered experts and its revision (0 when none was ever registered).</summary>
    public async Task<(long Revision, IReadOnlyList<ExpertRecord> Experts)> ForModelAsync(string model, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await context.Experts.AsNoTracking().Where(expert => expert.Model == model).OrderBy(expert => expert.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        var revision = rows.Count == 0 ? 0 : rows.Max(expert => expert.UpdatedAt).UtcTicks;
        return (revision, [.. rows.Where(expert => expert.DeletedAt is null)]);
    }

    private async Task<ExpertRecord> TryPutAsync(ExpertRecord expert, string? keyId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var updatedAt = await NextRevisionAsync(context, expert.Model, cancellationToken).ConfigureAwait(false);
        var stored = await context.Experts.SingleOrDefaultAsync(row => row.Model == expert.Model && row.Name == expert.Name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            stored = new ExpertRecord { Model = expert.Model, Name = expert.Name, Adapter = expert.Adapter, Samples = expert.Samples, Centroid = expert.Centroid, CentroidEmbedding = expert.CentroidEmbedding };
            context.Experts.Add(stored);
        }

        (stored.Adapter, stored.Samples, stored.Centroid, stored.CentroidEmbedding) = (expert.Adapter, expert.Samples, expert.Centroid, expert.CentroidEmbedding);
        (stored.UpdatedAt, stored.UpdatedBy, stored.DeletedAt) = (updatedAt, keyId, null);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        LogPut(expert.Model, expert.Name, expert.Adapter, keyId);
        return stored;
    }

    // Now, or just after the model's latest change when another gateway's clock ran ahead: a
    // model's revisions only grow.
    private async Task<DateTimeOffset> NextRevisionAsync(LedgerDbContext context, string model, CancellationToken cancellationToken)
    {
        var latest = await context.Experts.Where(expert => expert.Model == model).MaxAsync(expert => (DateTimeOffset?)expert.UpdatedAt, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        now = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Step.Ticks), TimeSpan.Zero);
        return latest is { } last && last >= now ? last + Step : now;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert {Model}:{Name} registered, running adapter {Adapter} (by key {KeyId})")]
    private partial void LogPut(string model, string name, string adapter, string? keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert {Model}:{Name} deleted (by key {KeyId})")]
    private partial void LogDeleted(string model, string name, string? keyId);
}
