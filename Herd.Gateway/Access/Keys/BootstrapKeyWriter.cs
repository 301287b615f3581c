using System.Data.Common;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// Gives a new herd its first key: when <see cref="AccessOptions.BootstrapKeyFile"/> is set and
/// the file does not exist, it creates a key of <see cref="AccessOptions.BootstrapRole"/> once
/// the ledger's schema is ready and writes the key there, readable by its owner only. With the
/// file present it does nothing, so restarts make no new keys.
/// </summary>
public sealed partial class BootstrapKeyWriter(
    ApiKeyStore store,
    LedgerMigrator migrator,
    RoleCatalog roles,
    IOptions<AccessOptions> options,
    IHostEnvironment environment,
    ILogger<BootstrapKeyWriter> logger) : BackgroundService
{
    public const string KeyName = "bootstrap admin";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.BootstrapKeyFile is not { Length: > 0 } configured)
        {
            return;
        }

        var path = Path.GetFullPath(configured, environment.ContentRootPath);
        if (File.Exists(path))
        {
            return;
        }

        var role = options.Value.BootstrapRole;
        if (!roles.TryGet(role, out _))
        {
            LogNoSuchRole(role, path);
            return;
        }

        try
        {
            await migrator.Migrated.WaitAsync(stoppingToken).ConfigureAwait(false);
            await WriteAsync(path, role, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the ledger was ready: the next start tries again.
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException or DbUpdateException or DbException)
        {
            LogFailed(exception, path);
        }
    }

    private async Task WriteAsync(string path, string role, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // CreateNew: of several gateways sharing the folder, only one makes the key.
        FileStream file;
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            file = new FileStream(path, fileOptions);
        }
        catch (IOException) when (File.Exists(path))
        {
            return;
        }

        await using (file.ConfigureAwait(false))
        {
            try
            {
                var created = await store.CreateAsync(KeyName, role, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using var writer = new StreamWriter(file);
                await writer.WriteLineAsync(created.Secret).ConfigureAwait(false);
                LogWritten(created.Key.Id, role, path);
            }
            catch
            {
                // An empty file would stop every later start from trying again.
                File.Delete(path);
                throw;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the first key, {KeyId} with role {Role}, and wrote it to {Path}; keep it secret, and use it to create the herd's other keys")]
    private partial void LogWritten(string keyId, string role, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "No bootstrap key was written to {Path}: the roles file defines no role '{Role}' (Herd:Gateway:Access:BootstrapRole)")]
    private partial void LogNoSuchRole(string role, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the bootstrap key to {Path}")]
    private partial void LogFailed(Exception exception, string path);
}
