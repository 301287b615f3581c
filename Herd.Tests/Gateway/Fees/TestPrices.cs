using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herd.Tests.Gateway.Fees;

/// <summary>
/// A <see cref="PriceTable"/> over fee settings given in memory, bound as the gateway binds the
/// <c>Herd:Gateway:Fees</c> section; the table keeps reading its options, so dispose this with the test.
/// </summary>
internal sealed class TestPrices : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestPrices(ServiceProvider services)
    {
        _services = services;
        Table = services.GetRequiredService<PriceTable>();
    }

    public PriceTable Table { get; }

    /// <param name="settings">Keys under <c>Herd:Gateway:Fees</c>; everything is free without them.</param>
    public static TestPrices Create(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddFees();
        return new TestPrices(builder.Services.BuildServiceProvider());
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
