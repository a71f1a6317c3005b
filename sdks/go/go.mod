module github.com/licensor/licensor-go

go 1.19
