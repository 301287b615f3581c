using Herd.Gateway.Admission;
using Herd.Gateway.Admission.Fees;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herd.Tests.Gateway.Fees;

public sealed class PriceTableTests
{
    private static readonly Dictionary<string, string?> Prices = new()
    {
        ["Herd:Gateway:Fees:Currency"] = "EUR",
        ["Herd:Gateway:Fees:Models:llama-3.1-8b:PerPromptToken"] = "0.000001",
        ["Herd:Gateway:Fees:Models:llama-3.1-8b:PerCompletionToken"] = "0.000003",
        ["Herd:Gateway:Fees:Models:llama-3.1-8b:PerRequest"] = "0.01",
        ["Herd:Gateway:Fees:Default:PerCompletionToken"] = "0.0000005",
    };

    [Fact]
    public void FeeOf_ListedModel_IsRequestPlusTokensAtTheirPrices()
    {
        var prices = Table(Prices);

        // 0.01 + 1000 × 0.000001 + 200 × 0.000003
        Assert.Equal(0.0116m, prices.FeeOf("llama-3.1-8b", priority: 0, promptTokens: 1000, completionTokens: 200));
    }

    [Fact]
    public void FeeOf_Priority_MultipliesTheWholeFee()
    {
        var prices = Table(Prices);

        Assert.Equal(0.0174m, prices.FeeOf("llama-3.1-8b", priority: 50, promptTokens: 1000, completionTokens: 200));
        Assert.Equal(0.0232m, prices.FeeOf("llama-3.1-8b", priority: 100, promptTokens: 1000, completionTokens: 200));
    }

    [Fact]
    public void FeeOf_MoreThanNineDecimals_RoundsUp()
    {
        var prices = Table(new Dictionary<string, string?> { ["Herd:Gateway:Fees:Default:PerCompletionToken"] = "0.0000000001" });

        // 0.0000000001 and 0.0000000011 round up to the next nano-unit, never down.
        Assert.Equal(0.000000001m, prices.FeeOf("any", priority: 0, promptTokens: 0, completionTokens: 1));
        Assert.Equal(0.000000002m, prices.FeeOf("any", priority: 0, promptTokens: 0, completionTokens: 11));
        Assert.Equal(0.000000001m, prices.FeeOf("any", priority: 0, promptTokens: 0, completionTokens: 10));
    }

    [Fact]
    public void FeeOf_UnlistedModel_PaysTheDefaultPrice()
    {
        var prices = Table(Prices);

        Assert.Equal(0.0001m, prices.FeeOf("mistral-7b", priority: 0, promptTokens: 1000, completionTokens: 200));
        Assert.Equal(new ModelPrice { PerCompletionToken = 0.0000005m }, prices.PriceOf("mistral-7b"));
    }

    [Fact]
    public void PriceOf_ModelNamesMatchExactly()
    {
        var prices = Table(Prices);

        Assert.Equal(0.01m, prices.PriceOf("llama-3.1-8b").PerRequest);
        Assert.Equal(0m, prices.PriceOf("Llama-3.1-8B").PerRequest);
    }

    [Fact]
    public void FeeOf_NothingConfigured_IsFree()
    {
        var prices = Table([]);

        Assert.Equal(0m, prices.FeeOf("herd-tiny", priority: 100, promptTokens: 5000, completionTokens: 5000));
        Assert.Equal("credits", prices.Currency);
    }

    [Theory]
    [InlineData(0, "1")]
    [InlineData(1, "1.01")]
    [InlineData(50, "1.5")]
    [InlineData(100, "2")]
    public void MultiplierFor_IsOnePlusPriorityTimesTheLevelStep(int priority, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Table([]).MultiplierFor(priority));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void MultiplierFor_PriorityOutsideZeroToHundred_Throws(int priority)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Table([]).MultiplierFor(priority));

        Assert.Equal("priority", error.ParamName);
    }

    [Fact]
    public void FeeOf_NegativeTokens_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Table(Prices).FeeOf("llama-3.1-8b", 0, promptTokens: -1, completionTokens: 0));

        Assert.Equal("promptTokens", error.ParamName);
    }

    [Fact]
    public void FeeOf_AfterTheConfigurationChanges_UsesTheNewPrices()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(Prices);
        builder.AddFees();
        using var services = builder.Services.BuildServiceProvider();
        var prices = services.GetRequiredService<PriceTable>();
        var before = prices.FeeOf("llama-3.1-8b", 0, 1000, 200);

        builder.Configuration["Herd:Gateway:Fees:Models:llama-3.1-8b:PerRequest"] = "1";
        ((IConfigurationRoot)builder.Configuration).Reload();

        Assert.Equal((0.0116m, 1.0016m), (before, prices.FeeOf("llama-3.1-8b", 0, 1000, 200)));
    }

    private static PriceTable Table(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddFees();
        // The table keeps reading the options monitor, so the provider lives as long as the test.
        return builder.Services.BuildServiceProvider().GetRequiredService<PriceTable>();
    }
}
