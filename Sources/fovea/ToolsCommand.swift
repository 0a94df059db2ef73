import ArgumentParser
import FoveaProtocol

struct Tools: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the tool schemas (the MCP tools/list result).")

    func run() throws {
        print(JSONWriter.string(ToolCatalog.listResult))
    }
}
