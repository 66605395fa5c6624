// The part of inquirer 9's API `config init` uses (the package ships no type declarations).
declare module 'inquirer' {
  export interface Question {
    type: 'input' | 'number' | 'confirm' | 'checkbox'
    name: string
    message: string
    default?: string | number | boolean
    /** The options of a checkbox question; its answer is the list of checked values. */
    choices?: {name: string; value: string; checked?: boolean}[]
    when?: (answers: {limit: boolean}) => boolean
    validate?: ((value: string) => string | true) | ((value: number | undefined) => string | true)
  }
  const inquirer: {prompt<T>(questions: Question[]): Promise<T>}
  export default inquirer
}
