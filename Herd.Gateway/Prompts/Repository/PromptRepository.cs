using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Definitions;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Herd.Gateway.Prompts.Repository;

/// <summary>
/// The prompt repository in the ledger database: every published version of every prompt and
/// chain, kept for good (retiring a version stops calls, not reads). Readers see only the versions
/// their <see cref="PromptVisibility"/> allows; the gateway's services check methods and roles.
/// </summary>
public sealed partial class PromptRepository(
    IDbContextFactory<LedgerDbContext> contexts,
    TimeProvider time,
    ILogger<PromptRepository> logger)
{
    /// <summary>Publishes a new version; an empty version or stage takes its default (<see cref="VersionLabels.Next"/>, <see cref="PromptNames.DefaultStage"/>).</summary>
    /// <param name="publishedBy">the publishing key; null for the seed file</param>
    /// <param name="visibility">what the publisher may see: a chain's steps must be among it</param>
    /// <exception cref="PromptPublishException">The version is not valid; every problem is listed.</exception>
    /// <exception cref="PromptVersionExistsException">The prompt has that version already.</exception>
    public async Task<PromptVersion> PublishAsync(PromptDefinition definition, string? publishedBy, PromptVisibility visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(visibility);
        var candidate = definition.Clone();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var newest = PromptNames.IsId(candidate.Id)
            ? await context.PromptVersions.AsNoTracking().Where(version => version.PromptId == candidate.Id)
                .OrderByDescending(version => version.Sequence).Select(version => version.Version)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            : null;
        candidate.Version = candidate.Version.Length == 0 ? VersionLabels.Next(newest) : candidate.Version;
        candidate.Stage = PromptNames.StageOrDefault(candidate.Stage);
        var problems = PromptDefinitionRules.Problems(candidate).ToList();
        IReadOnlyList<PromptVariable> variables = candidate.Variables;
        if (problems.Count == 0 && candidate.Steps.Count > 0)
        {
            variables = await ChainVariablesAsync(context, candidate, visibility, problems, cancellationToken).ConfigureAwait(false);
        }

        if (problems.Count > 0)
        {
            throw new PromptPublishException(problems);
        }

        var record = PromptRecords.ToRecord(candidate, variables, ToMicroseconds(time.GetUtcNow()), publishedBy);
        context.PromptVersions.Add(record);
        try
        {
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new PromptVersionExistsException(candidate.Id, candidate.Version);
        }

        LogPublished(record.PromptId, record.Version, record.Stage, publishedBy ?? "the seed file");
        return PromptRecords.ToMessage(record);
    }

    /// <summary>The newest callable version of every prompt <paramref name="visibility"/> allows, by id.</summary>
    /// <param name="search">text the id, name or description contains, any case; empty for all</param>
    /// <param name="stage">only versions on this stage; empty for any</param>
    public async Task<IReadOnlyList<PromptVersion>> ListAsync(PromptVisibility visibility, string search, string stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(visibility);
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(stage);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // The repository holds versions by the hundred, not the million: read the callable ones and choose here.
        var callable = await context.PromptVersions.AsNoTracking().Where(version => version.RetiredAt == null)
            .OrderByDescending(version => version.Sequence).ToListAsync(cancellationToken).ConfigureAwait(false);
        return callable
            .Where(version => visibility.Allows(version) && (stage.Length == 0 || version.Stage == stage))
            .GroupBy(version => version.PromptId, StringComparer.Ordinal)
            .Select(versions => versions.First())
            .Where(version => search.Length == 0 || Mentions(version, search))
            .OrderBy(version => version.PromptId, StringComparer.Ordinal)
            .Select(PromptRecords.ToMessage)
            .ToList();
    }

    /// <summary>Every version of a prompt that <paramref name="visibility"/> allows, newest first, retired ones included.</summary>
    public async Task<IReadOnlyList<PromptVersion>> GetAsync(string promptId, PromptVisibility visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(visibility);
        if (!PromptNames.IsId(promptId))
        {
            return [];
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var versions = await context.PromptVersions.AsNoTracking().Where(version => version.PromptId == promptId)
            .OrderByDescending(version => version.Sequence).ToListAsync(cancellationToken).ConfigureAwait(false);
        return versions.Where(visibility.Allows).Select(PromptRecords.ToMessage).ToList();
    }

    /// <summary>
    /// The version a call runs: <paramref name="version"/> when given, else the newest callable one
    /// (on <paramref name="stage"/> when given); null when <paramref name="visibility"/> allows none.
    /// </summary>
    public async Task<PromptVersionRecord?> FindCallableAsync(string promptId, string version, string stage, PromptVisibility visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(visibility);
        if (!PromptNames.IsId(promptId))
        {
            return null;
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var callable = context.PromptVersions.AsNoTracking().Where(candidate => candidate.PromptId == promptId && candidate.RetiredAt == null);
        if (version.Length > 0)
        {
            callable = callable.Where(candidate => candidate.Version == version);
        }

        if (stage.Length > 0)
        {
            callable = callable.Where(candidate => candidate.Stage == stage);
        }

        var newestFirst = await callable.OrderByDescending(candidate => candidate.Sequence).ToListAsync(cancellationToken).ConfigureAwait(false);
        return newestFirst.FirstOrDefault(visibility.Allows);
    }

    /// <summary>Retires one version, or every version when <paramref name="version"/> is empty, among those <paramref name="visibility"/> allows.</summary>
    /// <returns>The versions as they are now; empty when there was none to retire.</returns>
    public async Task<IReadOnlyList<PromptVersion>> RetireAsync(string promptId, string version, PromptVisibility visibility, string? retiredBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(visibility);
        if (!PromptNames.IsId(promptId))
        {
            return [];
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var versions = (await context.PromptVersions.Where(candidate => candidate.PromptId == promptId && (version.Length == 0 || candidate.Version == version))
            .OrderByDescending(candidate => candidate.Sequence).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(visibility.Allows).ToList();
        var now = ToMicroseconds(time.GetUtcNow());
        foreach (var retiring in versions.Where(candidate => candidate.RetiredAt is null))
        {
            retiring.RetiredAt = now;
            LogRetired(retiring.PromptId, retiring.Version, retiredBy ?? "the gateway");
        }

        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return versions.Select(PromptRecords.ToMessage).ToList();
    }

    /// <summary>The stored version with this id and version, or null.</summary>
    internal async Task<PromptVersionRecord?> FindAsync(string promptId, string version, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.PromptVersions.AsNoTracking()
            .SingleOrDefaultAsync(candidate => candidate.PromptId == promptId && candidate.Version == version, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<PromptVariable>> ChainVariablesAsync(LedgerDbContext context, PromptDefinition chain, PromptVisibility visibility, List<string> problems, CancellationToken cancellationToken)
    {
        var stepVariables = new List<IReadOnlyList<PromptVariable>>();
        for (var index = 0; index < chain.Steps.Count; index++)
        {
            var step = chain.Steps[index];
            var versions = await context.PromptVersions.AsNoTracking()
                .Where(candidate => candidate.PromptId == step.PromptId && (step.Version.Length == 0 ? candidate.RetiredAt == null : candidate.Version == step.Version))
                .OrderByDescending(candidate => candidate.Sequence).ToListAsync(cancellationToken).ConfigureAwait(false);
            var called = versions.FirstOrDefault(visibility.Allows);
            if (called is null)
            {
                var wanted = step.Version.Length == 0 ? "callable version" : $"version '{step.Version}'";
                problems.Add($"step {index + 1}: prompt '{step.PromptId}' has no {wanted} that you may see; publish it first");
                stepVariables.Add([]);
                continue;
            }

            if (PromptRecords.Steps(called).Count > 0)
            {
                problems.Add($"step {index + 1}: '{step.PromptId}' is a chain; a step calls a prompt");
            }

            stepVariables.Add(PromptRecords.Variables(called).Select(variable => new PromptVariable { Name = variable.Name, DefaultValue = variable.Default }).ToList());
        }

        return ChainVariables.Gather(chain.Steps, stepVariables, problems);
    }

    private static bool Mentions(PromptVersionRecord version, string search) =>
        version.PromptId.Contains(search, StringComparison.OrdinalIgnoreCase)
        || version.Name.Contains(search, StringComparison.OrdinalIgnoreCase)
        || version.Description.Contains(search, StringComparison.OrdinalIgnoreCase);

    // PostgreSQL keeps microseconds: a returned timestamp must equal the one read back later.
    private static DateTimeOffset ToMicroseconds(DateTimeOffset moment) => moment.AddTicks(-(moment.Ticks % 10));

    [LoggerMessage(Level = LogLevel.Information, Message = "Prompt {PromptId} version {Version} published on stage {Stage} by {PublishedBy}.")]
    private partial void LogPublished(string promptId, string version, string stage, string publishedBy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prompt {PromptId} version {Version} retired by {RetiredBy}.")]
    private partial void LogRetired(string promptId, string version, string retiredBy);
}
