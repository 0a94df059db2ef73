// FoveaSandbox
