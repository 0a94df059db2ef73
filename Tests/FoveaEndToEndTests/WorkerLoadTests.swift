import Testing
@testable import FoveaServer

/// The supervisor's rule for how many kernel threads a job may use.
@Suite struct WorkerLoadTests {
    @Test func aLoneJobUsesEveryThreadItsWorkerHas() {
        let load = WorkerLoad(cores: 2)
        #expect(load.threadsForNewJob(queued: 0) == 0)
    }

    @Test func concurrentJobsShareTheCores() {
        let load = WorkerLoad(cores: 2)
        #expect(load.threadsForNewJob(queued: 0) == 0)
        #expect(load.threadsForNewJob(queued: 0) == 1)
        load.jobFinished()
        load.jobFinished()
        #expect(load.threadsForNewJob(queued: 0) == 0)
    }

    @Test func queuedJobsCountAsSharers() {
        let load = WorkerLoad(cores: 8)
        #expect(load.threadsForNewJob(queued: 1) == 4)
        #expect(load.threadsForNewJob(queued: 2) == 2)
        #expect(load.threadsForNewJob(queued: 100) == 1)
    }
}
