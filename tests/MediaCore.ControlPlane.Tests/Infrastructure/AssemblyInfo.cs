// Each test class seeds its own database; two at a time is what this 2-core machine carries well.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
