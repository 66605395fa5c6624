// The part of inquirer 9's API `config init` uses (the package ships no type declarations).
declare module 'inquirer' {
  export interface Question {
    type: 'input' | 'number' | 'confirm'
    name: string
    message: string
    default?: string | number | boolean
    when?: (answers: {limit: boolean}) => boolean
    validate?: ((value: string) => string | true) | ((value: number | undefined) => string | true)
  }
  const inquirer: {prompt<T>(questions: Question[]): Promise<T>}
  export default inquirer
}
