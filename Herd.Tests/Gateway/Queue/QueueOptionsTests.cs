using Herd.Gateway.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herd.Tests.Gateway.Queue;

public sealed class QueueOptionsTests
{
    [Fact]
    public void Bind_Section_ReadsEverySetting()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Herd:Gateway:Queue:KeyPrefix"] = "{blue}:",
            ["Herd:Gateway:Queue:MaxDepthPerModel"] = "50",
            ["Herd:Gateway:Queue:AgingPerPriorityLevel"] = "00:00:30",
            ["Herd:Gateway:Queue:LeaseDuration"] = "00:00:05",
            ["Herd:Gateway:Queue:MaxWait"] = "00:02:00",
            ["Herd:Gateway:Queue:QueueFullRetryAfter"] = "00:00:01",
        });

        Assert.Equal(
            new QueueOptions
            {
                KeyPrefix = "{blue}:",
                MaxDepthPerModel = 50,
                AgingPerPriorityLevel = TimeSpan.FromSeconds(30),
                LeaseDuration = TimeSpan.FromSeconds(5),
                MaxWait = TimeSpan.FromMinutes(2),
                QueueFullRetryAfter = TimeSpan.FromSeconds(1),
            },
            options);
    }

    [Fact]
    public void Bind_NothingConfigured_KeepsTheDefaults()
    {
        var options = Bind([]);

        Assert.Equal(("herd:", 1000), (options.KeyPrefix, options.MaxDepthPerModel));
        Assert.Equal(
            [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(2)],
            [options.AgingPerPriorityLevel, options.LeaseDuration, options.MaxWait, options.QueueFullRetryAfter]);
    }

    [Fact]
    public void Bind_LeaseOutOfRange_FailsNamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(
            () => Bind(new Dictionary<string, string?> { ["Herd:Gateway:Queue:LeaseDuration"] = "00:00:00" }));

        Assert.Contains(nameof(QueueOptions.LeaseDuration), error.Message, StringComparison.Ordinal);
    }

    private static QueueOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section).ValidateDataAnnotations().Services
            .BuildServiceProvider();
        return services.GetRequiredService<IOptions<QueueOptions>>().Value;
    }
}
