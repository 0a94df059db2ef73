// FoveaWorker
