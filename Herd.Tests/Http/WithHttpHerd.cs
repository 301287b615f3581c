namespace Herd.Tests.Http;

/// <summary>The HTTP door's test classes share one herd: starting one per class would only repeat the same start.</summary>
[CollectionDefinition(Name)]
public sealed class WithHttpHerd : ICollectionFixture<HttpHerdFixture>
{
    public const string Name = "HTTP door";
}
