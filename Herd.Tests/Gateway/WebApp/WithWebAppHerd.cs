namespace Herd.Tests.Gateway.WebApp;

/// <summary>The web app's test classes share one herd and one browser, and take turns with them.</summary>
[CollectionDefinition(Name)]
public sealed class WithWebAppHerd : ICollectionFixture<WebAppHerdFixture>
{
    public const string Name = "web app herd";
}
