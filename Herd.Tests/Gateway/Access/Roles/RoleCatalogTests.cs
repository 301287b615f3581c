using Herd.Gateway.Access.Roles;
using Herd.Tests.Fixtures;
using Microsoft.Extensions.Logging;

namespace Herd.Tests.Gateway.Access.Roles;

public sealed class RoleCatalogTests : IDisposable
{
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(30);

    private const string AdminOnly = "roles:\n  admin:\n    allow_methods: [\"*\"]\n";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("herd-roles-");
    private readonly RecordingLogger<RoleCatalog> _logger = new();

    private string RolesPath => Path.Combine(_folder.FullName, "roles.yaml");

    [Fact]
    public void Create_ValidFile_HoldsItsRolesInFileOrder()
    {
        File.WriteAllText(RolesPath, AdminOnly + "  user:\n    max_priority: 10\n");

        using var catalog = new RoleCatalog(RolesPath, _logger);

        Assert.Equal(["admin", "user"], catalog.Roles.Select(role => role.Name));
        Assert.True(catalog.TryGet("user", out var user));
        Assert.Equal(10, user.MaxPriority);
        Assert.False(catalog.TryGet("User", out _));
        Assert.Equal(RolesPath, catalog.FilePath);
    }

    [Fact]
    public void Create_InvalidFile_FailsListingTheErrorsAndThePath()
    {
        File.WriteAllText(RolesPath, "roles:\n  user:\n    max_priority: 200\n    budget: -1\n");

        var error = Assert.Throws<RolesFileException>(() => new RoleCatalog(RolesPath, _logger));

        Assert.Equal(2, error.Errors.Count);
        Assert.Contains($"{RolesPath}:3:19: role 'user': max_priority", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{RolesPath}:4:13: role 'user': budget", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MissingFile_FailsNamingThePath()
    {
        var error = Assert.Throws<RolesFileException>(() => new RoleCatalog(RolesPath, _logger));

        Assert.Contains($"{RolesPath}: the file does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileChanged_WhileWatching_NewRolesTakeEffect()
    {
        File.WriteAllText(RolesPath, AdminOnly);
        using var catalog = await StartWatchingAsync();

        File.WriteAllText(RolesPath, AdminOnly + "  ops:\n    allow_methods: [\"herd.v1.Catalog/*\"]\n");

        await EventuallyAsync(() => catalog.TryGet("ops", out _), "the ops role to appear");
        Assert.True(catalog.TryGet("ops", out var ops));
        Assert.True(ops.AllowsMethod("/herd.v1.Catalog/ListNodes"));
        Assert.True(catalog.TryGet("admin", out _));
    }

    [Fact]
    public async Task FileReplaced_ByRenamingAnotherFileOverIt_NewRolesTakeEffect()
    {
        File.WriteAllText(RolesPath, AdminOnly);
        using var catalog = await StartWatchingAsync();

        // The way many editors save.
        var written = Path.Combine(_folder.FullName, "roles.yaml.tmp");
        File.WriteAllText(written, "roles:\n  ops: {}\n");
        File.Move(written, RolesPath, overwrite: true);

        await EventuallyAsync(() => catalog.TryGet("ops", out _), "the ops role to appear");
        Assert.False(catalog.TryGet("admin", out _));
    }

    [Fact]
    public async Task FileReplaced_AsKubernetesUpdatesAMountedConfigMap_NewRolesTakeEffect()
    {
        // roles.yaml -> ..data/roles.yaml, and ..data -> a folder per version, swapped atomically.
        var first = Directory.CreateDirectory(Path.Combine(_folder.FullName, "..version1"));
        File.WriteAllText(Path.Combine(first.FullName, "roles.yaml"), AdminOnly);
        File.CreateSymbolicLink(Path.Combine(_folder.FullName, "..data"), first.Name);
        File.CreateSymbolicLink(RolesPath, Path.Combine("..data", "roles.yaml"));
        using var catalog = await StartWatchingAsync();

        var second = Directory.CreateDirectory(Path.Combine(_folder.FullName, "..version2"));
        File.WriteAllText(Path.Combine(second.FullName, "roles.yaml"), "roles:\n  ops: {}\n");
        File.CreateSymbolicLink(Path.Combine(_folder.FullName, "..data_tmp"), second.Name);
        // Replaces the link itself, atomically, as the kubelet does; File.Move would follow it.
        await Command.RunAsync("mv", ["-T", Path.Combine(_folder.FullName, "..data_tmp"), Path.Combine(_folder.FullName, "..data")], ReloadTimeout);

        await EventuallyAsync(() => catalog.TryGet("ops", out _), "the ops role to appear");
        Assert.False(catalog.TryGet("admin", out _));
    }

    [Fact]
    public async Task FileChanged_ToInvalidRoles_KeepsTheRolesReadBeforeAndLogsTheErrors()
    {
        File.WriteAllText(RolesPath, AdminOnly);
        using var catalog = await StartWatchingAsync();

        File.WriteAllText(RolesPath, AdminOnly + "  ops:\n    max_priority: 1000\n");

        await EventuallyAsync(() => _logger.Entries.Any(entry => entry.Level == LogLevel.Error), "the invalid file to be logged");
        var logged = Assert.Single(_logger.Entries, entry => entry.Level == LogLevel.Error).Message;
        Assert.Contains($"{RolesPath}:5:19: role 'ops': max_priority", logged, StringComparison.Ordinal);
        Assert.Equal(["admin"], catalog.Roles.Select(role => role.Name));
        Assert.False(catalog.TryGet("ops", out _));

        // Fixed, it is read again.
        File.WriteAllText(RolesPath, AdminOnly + "  ops:\n    max_priority: 100\n");
        await EventuallyAsync(() => catalog.TryGet("ops", out _), "the fixed ops role to appear");
    }

    private async Task<RoleCatalog> StartWatchingAsync()
    {
        var catalog = new RoleCatalog(RolesPath, _logger);
        await catalog.StartAsync(CancellationToken.None);
        return catalog;
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + ReloadTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {ReloadTimeout} for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
