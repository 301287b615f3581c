using Herd.Tests.Fixtures;

namespace Herd.Tests.Mesh;

/// <summary>Two gateways and three nodes, shared by the tests of <see cref="MeshTests"/>.</summary>
public sealed class MeshFixture : IAsyncLifetime
{
    private TestHerd? _herd;

    internal TestHerd Herd => _herd ?? throw new InvalidOperationException("The herd has not started.");

    public async Task InitializeAsync() => _herd = await TestHerd.StartAsync(gateways: 2, nodes: 3);

    public async Task DisposeAsync()
    {
        if (_herd is not null)
        {
            await _herd.DisposeAsync();
        }
    }
}
