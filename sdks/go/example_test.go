package licensor_test

import (
	"context"
	"fmt"
	"os"

	licensor "github.com/licensor/licensor-go"
)

func Example() {
	keys := map[string]string{"k-2026": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}
	client := licensor.NewClient("https://licensing.example.com", keys)
	if res, err := client.Validate(context.Background(), licensor.ValidateRequest{Key: "PRMO-…", Product: "aistudio"}); err == nil {
		fmt.Println(res.Valid, res.Code)
	}

	text, _ := os.ReadFile("aistudio.license")
	payload, err := licensor.VerifyLicenseFile(string(text), licensor.VerifyOptions{
		PublicKeys: keys, Vendor: "PRMO", Product: "aistudio", InstallationID: "inst-1"})
	if err != nil {
		fmt.Println("refused:", licensor.ErrorCode(err))
		return
	}
	fmt.Println(payload.ID, payload.Capabilities)
}
