using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Herd.Gateway.Access.Roles;

/// <summary>
/// The gateway's roles, read from the roles file when it is created and again whenever the file
/// changes while the host runs. A changed file that is invalid is logged and ignored: the roles
/// read before stay in force until the file is fixed.
/// </summary>
public sealed partial class RoleCatalog : IHostedService, IDisposable
{
    /// <summary>How long the file must be quiet before it is read again; editors often write a file in several steps.</summary>
    public static readonly TimeSpan ReloadDelay = TimeSpan.FromMilliseconds(250);

    private readonly ILogger<RoleCatalog> _logger;
    private readonly Lock _reloading = new();
    private readonly Timer _reloadTimer;
    private readonly string _directory;
    private volatile Snapshot _current;
    private string _lastText;
    private FileSystemWatcher? _watcher;
    private bool _disposed;

    /// <exception cref="RolesFileException">The file is missing, unreadable or invalid.</exception>
    public RoleCatalog(string path, ILogger<RoleCatalog> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(logger);
        FilePath = Path.GetFullPath(path);
        _directory = Path.GetDirectoryName(FilePath) ?? throw new ArgumentException($"{path} names a root folder, not a roles file.", nameof(path));
        _logger = logger;
        _lastText = RolesFile.ReadText(FilePath);
        _current = new Snapshot(RolesFile.Parse(_lastText, FilePath));
        _reloadTimer = new Timer(_ => Reload());
        LogLoaded(FilePath, _current.Names);
    }

    /// <summary>The full path of the roles file.</summary>
    public string FilePath { get; }

    /// <summary>Every role, in the order of the file.</summary>
    public IReadOnlyCollection<Role> Roles => _current.Roles;

    public bool TryGet(string name, [MaybeNullWhen(false)] out Role role) => _current.ByName.TryGetValue(name, out role);

    /// <summary>Starts watching the file for changes.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_reloading)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_watcher is null)
            {
                _watcher = Watch();
            }
        }

        // A change made between the first read and the watch would otherwise go unseen.
        Reload();
        return Task.CompletedTask;
    }

    /// <summary>Stops watching; the roles stay as they are.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_reloading)
        {
            _watcher?.Dispose();
            _watcher = null;
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_reloading)
        {
            _disposed = true;
            _watcher?.Dispose();
            _watcher = null;
        }

        _reloadTimer.Dispose();
    }

    private FileSystemWatcher? Watch()
    {
        try
        {
            // The whole folder, not the file's name: editors save by renaming a temporary file
            // over it, and Kubernetes swaps a mounted ConfigMap through a symbolic link, so the
            // file's own name may see no event. A read that finds the same text changes nothing.
            var watcher = new FileSystemWatcher(_directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => ScheduleReload();
            watcher.Created += (_, _) => ScheduleReload();
            watcher.Deleted += (_, _) => ScheduleReload();
            watcher.Renamed += (_, _) => ScheduleReload();
            watcher.Error += (_, error) =>
            {
                LogWatchFailed(FilePath, error.GetException());
                ScheduleReload();
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or PlatformNotSupportedException)
        {
            LogWatchFailed(FilePath, exception);
            return null;
        }
    }

    private void ScheduleReload()
    {
        try
        {
            _reloadTimer.Change(ReloadDelay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while an event was on its way.
        }
    }

    private void Reload()
    {
        lock (_reloading)
        {
            if (_disposed)
            {
                return;
            }

            string text;
            try
            {
                text = RolesFile.ReadText(FilePath);
            }
            catch (RolesFileException exception)
            {
                // Often a moment within an editor's save; the next event reads it again.
                LogUnreadable(FilePath, exception.Errors[0]);
                return;
            }

            if (string.Equals(text, _lastText, StringComparison.Ordinal))
            {
                return;
            }

            _lastText = text;
            try
            {
                _current = new Snapshot(RolesFile.Parse(text, FilePath));
                LogReloaded(FilePath, _current.Names);
            }
            catch (RolesFileException exception)
            {
                LogInvalid(FilePath, exception.Errors.Count, string.Join(Environment.NewLine, exception.Errors));
            }
        }
    }

    private sealed class Snapshot(IReadOnlyList<Role> roles)
    {
        public IReadOnlyList<Role> Roles { get; } = roles;

        public FrozenDictionary<string, Role> ByName { get; } = roles.ToFrozenDictionary(role => role.Name, StringComparer.Ordinal);

        public string Names => string.Join(", ", Roles.Select(role => role.Name));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Roles read from {Path}: {Roles}")]
    private partial void LogLoaded(string path, string roles);

    [LoggerMessage(Level = LogLevel.Information, Message = "The roles file {Path} changed; roles now: {Roles}")]
    private partial void LogReloaded(string path, string roles);

    [LoggerMessage(Level = LogLevel.Error, Message = "The roles file {Path} changed but cannot be used ({ErrorCount} errors); the roles read before stay in force until it is fixed:\n{Errors}")]
    private partial void LogInvalid(string path, int errorCount, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The roles file {Path} could not be read again ({Problem}); the roles read before stay in force")]
    private partial void LogUnreadable(string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the roles file {Path} for changes failed; edits may need a restart of the gateway to take effect")]
    private partial void LogWatchFailed(string path, Exception exception);
}
