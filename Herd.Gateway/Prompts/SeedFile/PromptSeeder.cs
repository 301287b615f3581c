using System.Data.Common;
using Herd.Contracts.V1;
using Herd.Gateway.Ledger;
using Herd.Gateway.Prompts.Repository;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Prompts.SeedFile;

/// <summary>
/// Seeds the prompt repository from the operator's prompts file: read when the gateway starts (an
/// invalid file stops it, listing every error), then, once the ledger's schema is ready, each
/// version the repository does not hold yet is published. A version it holds is left as it is,
/// since published versions never change; one that differs from the file is logged.
/// </summary>
public sealed partial class PromptSeeder(
    PromptRepository repository,
    LedgerMigrator migrator,
    IOptions<PromptsOptions> options,
    IHostEnvironment environment,
    ILogger<PromptSeeder> logger) : BackgroundService
{
    private IReadOnlyList<PromptDefinition> _definitions = [];
    private string _path = string.Empty;

    /// <exception cref="PromptFileException">The prompts file is missing or invalid.</exception>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ResolveSeedFile(environment.ContentRootPath) is { } path)
        {
            _path = path;
            _definitions = PromptFile.Load(path);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_definitions.Count == 0)
        {
            return;
        }

        try
        {
            await migrator.Migrated.WaitAsync(stoppingToken).ConfigureAwait(false);
            // Prompts first: a chain's steps must exist when it is published.
            foreach (var definition in _definitions.OrderBy(definition => definition.Steps.Count > 0))
            {
                await SeedAsync(definition, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the ledger was ready: the next start seeds.
        }
        catch (Exception exception) when (exception is DbException or DbUpdateException or InvalidOperationException)
        {
            LogFailed(exception, _path);
        }
    }

    private async Task SeedAsync(PromptDefinition definition, CancellationToken cancellationToken)
    {
        if (await repository.FindAsync(definition.Id, definition.Version, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            if (!PromptRecords.SameContent(stored, definition))
            {
                LogDiffers(definition.Id, definition.Version, _path);
            }

            return;
        }

        try
        {
            await repository.PublishAsync(definition, publishedBy: null, PromptVisibility.Everything, cancellationToken).ConfigureAwait(false);
        }
        catch (PromptVersionExistsException)
        {
            // Another gateway seeded it a moment ago.
        }
        catch (PromptPublishException exception)
        {
            LogRefused(definition.Id, definition.Version, _path, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt {PromptId} version {Version} in {Path} differs from the version the repository holds, which stays as published; give the changed prompt a new version to publish it")]
    private partial void LogDiffers(string promptId, string version, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Prompt {PromptId} version {Version} in {Path} was not published: {Reason}")]
    private partial void LogRefused(string promptId, string version, string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not seed the prompt repository from {Path}; the next start tries again")]
    private partial void LogFailed(Exception exception, string path);
}
