// Browser tests start real servers and browsers: run them one at a time (2 shared cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
