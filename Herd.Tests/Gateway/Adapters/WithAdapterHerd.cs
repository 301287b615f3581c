namespace Herd.Tests.Gateway.Adapters;

/// <summary>The gRPC and HTTP tests of adapters and experts share one herd: its node loads the adapters and experts once.</summary>
[CollectionDefinition(Name)]
public sealed class WithAdapterHerd : ICollectionFixture<AdapterHerdFixture>
{
    public const string Name = "Adapter herd";
}
