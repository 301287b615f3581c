using Herd.Gateway.Access;
using Herd.Gateway.Access.Roles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herd.Tests.Gateway.Access.Roles;

public sealed class RolesExtensionsTests : IDisposable
{
    private readonly DirectoryInfo _contentRoot = Directory.CreateTempSubdirectory("herd-roles-host-");

    [Fact]
    public async Task Start_RolesFileUnderTheContentRoot_ServesItsRoles()
    {
        File.WriteAllText(Path.Combine(_contentRoot.FullName, "custom-roles.yaml"), "roles:\n  ops:\n    allow_methods: [\"*\"]\n");
        using var host = Build("custom-roles.yaml");

        await host.StartAsync();

        var catalog = host.Services.GetRequiredService<RoleCatalog>();
        Assert.Equal(Path.Combine(_contentRoot.FullName, "custom-roles.yaml"), catalog.FilePath);
        Assert.True(catalog.TryGet("ops", out _));
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_InvalidRolesFile_StopsStartUpListingTheErrors()
    {
        var path = Path.Combine(_contentRoot.FullName, "custom-roles.yaml");
        File.WriteAllText(path, "roles:\n  Ops: {}\n");
        using var host = Build("custom-roles.yaml");

        var error = await Assert.ThrowsAsync<RolesFileException>(() => host.StartAsync());

        Assert.Contains($"{path}:2:3: role name 'Ops'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EmptyRolesFileSetting_StopsStartUpNamingTheSetting()
    {
        using var host = Build("");

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Herd:Gateway:Access:RolesFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveRolesFile_NoneUnderTheContentRoot_FindsTheOneShippedBesideTheGateway()
    {
        var options = new RolesOptions();

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "roles.yaml"), options.ResolveRolesFile(_contentRoot.FullName));
    }

    [Fact]
    public void ResolveRolesFile_OneUnderTheContentRoot_PrefersIt()
    {
        File.WriteAllText(Path.Combine(_contentRoot.FullName, "roles.yaml"), "roles:\n  ops: {}\n");

        Assert.Equal(Path.Combine(_contentRoot.FullName, "roles.yaml"), new RolesOptions().ResolveRolesFile(_contentRoot.FullName));
    }

    [Fact]
    public void ResolveRolesFile_FoundNowhere_NamesThePathUnderTheContentRoot()
    {
        var options = new RolesOptions { RolesFile = "missing.yaml" };

        Assert.Equal(Path.Combine(_contentRoot.FullName, "missing.yaml"), options.ResolveRolesFile(_contentRoot.FullName));
    }

    private IHost Build(string rolesFile)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = _contentRoot.FullName, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Herd:Gateway:Access:RolesFile"] = rolesFile });
        builder.AddRoles();
        return builder.Build();
    }

    public void Dispose() => _contentRoot.Delete(recursive: true);
}
