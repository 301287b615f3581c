using Herd.PeerBench;

return await PeerBenchCommand.RunAsync(args);
